"""Two server workers agree on getToken's daily limit and lock (seeds/003 权限鉴定接口; state
in the database, INTERFACES.md §3): a real ``imgcloud serve --workers 2``, each request on a
new connection so that both workers answer some of them."""
from __future__ import annotations

import httpx

from reference.config import load_config
from tests.servers import serve

LIMIT_UID, LOCK_UID = "P51080000092", "P51080000091"


def _get_token(base: str, uid: str, secret: str) -> int:
    with httpx.Client(timeout=30) as http:  # a new connection each time
        return int(http.post(f"{base}/interface/getToken", json={"uid": uid, "appSecret": secret}).json()["code"])


def test_two_workers_agree_on_the_daily_limit_and_the_lock(tmp_path):
    home = tmp_path / "home"
    config = load_config(None, home=str(home))
    secret = config.secret_for(config.institution(LIMIT_UID))
    with serve(home, "--workers", "2", "--empty") as (base, _banner):
        codes = [_get_token(base, LIMIT_UID, secret) for _ in range(36)]
        assert codes == [200] * 30 + [11004] * 6, codes
        # both workers now answer 11004 from memory; a wrong secret in one must reach the other, whose
        # right secret then resets the count (else the 6th wrong in a row would lock the uid)
        mixed = [_get_token(base, LIMIT_UID, s) for s in ["wrong"] * 5 + [secret] + ["wrong"] * 5]
        assert mixed == [11001] * 5 + [11004] + [11001] * 5, mixed
        wrong = [_get_token(base, LOCK_UID, "wrong") for _ in range(7)]
        assert wrong == [11001] * 5 + [11003, 11003], wrong
        right = config.secret_for(config.institution(LOCK_UID))
        assert _get_token(base, LOCK_UID, right) == 11003

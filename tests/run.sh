#!/usr/bin/env bash
# Install everything the test suite needs and run it: the README's test command.
# Usage: bash tests/run.sh [pytest args…]
set -euo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL: the storage tests run against it too (127.0.0.1:5432, trust auth, db `test`).
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi
# MariaDB: the hospital database and SQL transport tests run against it (127.0.0.1:3306, root, db `test`).
if command -v mariadb-admin >/dev/null && ! mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
  if [ -x /etc/init.d/mariadb ]; then
    /etc/init.d/mariadb start >/dev/null 2>&1 || true
  fi
fi

# System packages the tests use: DCMTK (dcmdump checks our DICOM), dicom3tools (dciodvfy and
# dcentvfy check every generated modality against its IOD), Chromium (the pages in a real
# browser), a CJK font (the report PDF and the pages), poppler (pdftotext reads the PDF),
# zbar (zbarimg reads the gateway's QR codes back), the databases' own clients (sqlite3, psql,
# mariadb run SELECT * FROM View_Pacs_Text_Info on the hospital's database).
need=()
command -v dcmdump >/dev/null || need+=(dcmtk)
command -v dciodvfy >/dev/null || need+=(dicom3tools)
command -v chromium >/dev/null || need+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v zbarimg >/dev/null || need+=(zbar-tools)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v psql >/dev/null || need+=(postgresql-client)
command -v mariadb >/dev/null || need+=(mariadb-client)
command -v curl >/dev/null || need+=(curl)  # the README's curl examples and the training lessons, run as shown
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e ".[test]"

# Two processes (pytest-xdist): most of the suite's time is servers starting and answering, not
# one core's CPU.  IMGCLOUD_TEST_WORKERS=0 runs it in this one process; "-n N" among the arguments wins.
exec .venv/bin/python -m pytest -n "${IMGCLOUD_TEST_WORKERS:-2}" "$@"

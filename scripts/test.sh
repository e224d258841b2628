#!/usr/bin/env bash
# The whole test suite on a fresh machine: a venv for the bot, a separate venv for the
# Synapse homeserver the end-to-end tests start, then ruff, mypy (strict on bot/) and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${PARTNERBOT_VENV:-.venv}
SYNAPSE_VENV=${PARTNERBOT_SYNAPSE_VENV:-.synapse-venv}
SYNAPSE_VERSION=${SYNAPSE_VERSION:->=1.120,<2}

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e '.[test,browser]'

# The editors' console is tested in Debian's Chromium (driven by Playwright, which must not
# download a browser of its own) with axe-core from npm in .tools/ (local, gitignored).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: sudo apt-get install chromium" >&2
    exit 1
  fi
fi
AXE_VERSION=${AXE_VERSION:-4.14.1}
if [ ! -f .tools/axe/node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
  npm install --silent --no-audit --no-fund --prefix .tools/axe "axe-core@$AXE_VERSION"
fi
export PARTNERBOT_AXE="$PWD/.tools/axe/node_modules/axe-core/axe.min.js"
export PARTNERBOT_CHROMIUM="$(command -v chromium)"
export PARTNERBOT_REQUIRE_BROWSER=1

# Synapse lives in its own venv: its pins must not decide the bot's.
if [ ! -x "$SYNAPSE_VENV/bin/python" ]; then
  "$PYTHON" -m venv "$SYNAPSE_VENV"
fi
if ! "$SYNAPSE_VENV/bin/python" -c 'import synapse' 2>/dev/null; then
  "$SYNAPSE_VENV/bin/python" -m pip install --quiet --upgrade pip
  "$SYNAPSE_VENV/bin/python" -m pip install --quiet "matrix-synapse$SYNAPSE_VERSION"
fi
# PARTNERBOT_SYNAPSE_VENV may be absolute (a shared venv) or relative to the checkout.
case "$SYNAPSE_VENV" in
  /*) export PARTNERBOT_SYNAPSE_PYTHON="$SYNAPSE_VENV/bin/python" ;;
  *) export PARTNERBOT_SYNAPSE_PYTHON="$PWD/$SYNAPSE_VENV/bin/python" ;;
esac
export PARTNERBOT_REQUIRE_SYNAPSE=1

# Microsoft's Agents Playground (a local Teams emulator, Node) for the Teams app tests,
# into a local folder: nothing global, and it is found again on the next run.
PLAYGROUND_VERSION=${PLAYGROUND_VERSION:-0.2.28}
TOOLS=.tools
if [ ! -x "$TOOLS/playground/node_modules/.bin/agentsplayground" ]; then
  if ! command -v npm >/dev/null; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/playground" \
    "@microsoft/m365agentsplayground@$PLAYGROUND_VERSION"
fi
export PARTNERBOT_PLAYGROUND="$PWD/$TOOLS/playground/node_modules/.bin/agentsplayground"
export PARTNERBOT_REQUIRE_PLAYGROUND=1
# Microsoft's published Teams app manifest schemas ship in @microsoft/app-manifest: the
# package test validates against them without downloading anything at test time.
MANIFEST_VERSION=${MANIFEST_PACKAGE_VERSION:-1.1.2}
SCHEMAS="$TOOLS/manifest-schema/node_modules/@microsoft/app-manifest/build/json-schemas/teams"
if [ ! -d "$SCHEMAS" ]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/manifest-schema" \
    "@microsoft/app-manifest@$MANIFEST_VERSION"
fi
export PARTNERBOT_TEAMS_MANIFEST_SCHEMAS="$PWD/$SCHEMAS"
# Microsoft's Adaptive Cards library parses every card the Teams app sends (tests/).
ADAPTIVECARDS_VERSION=${ADAPTIVECARDS_VERSION:-3.0.6}
ADAPTIVECARDS="$TOOLS/adaptivecards/node_modules/adaptivecards/dist/adaptivecards.js"
if [ ! -f "$ADAPTIVECARDS" ]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/adaptivecards" \
    "adaptivecards@$ADAPTIVECARDS_VERSION"
fi
export PARTNERBOT_ADAPTIVECARDS="$PWD/$ADAPTIVECARDS"

echo "== ruff"
"$VENV/bin/ruff" check bot tests bench scripts setup.py
"$VENV/bin/ruff" format --check bot tests bench scripts setup.py
echo "== mypy (strict on bot/)"
"$VENV/bin/mypy"
echo "== pytest"
"$VENV/bin/python" -m pytest "$@"

#!/usr/bin/env bash
# Start the kiosk in simulation mode: emulated devices, nothing to configure.
# Without a display it runs on a virtual screen (Xvfb) and says so.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/bootstrap.sh
export KIOSK_HOME=${KIOSK_HOME:-$PWD/var/sim-home}
echo "kiosk: simulation mode, data in $KIOSK_HOME; F5 lays the demo card on the reader, F6 lifts it"
if [ -n "${DISPLAY:-}" ]; then
  exec .venv/bin/kiosk --sim "$@"
fi
echo "kiosk: no DISPLAY; running on a virtual screen (xvfb-run). Logs: $KIOSK_HOME/logs/kiosk.log"
exec xvfb-run -a -s "-screen 0 1920x1920x24" .venv/bin/kiosk --sim "$@"

#!/bin/sh
# The scale-out soak (issue 22, docs/scale-out.md "Soak"): builds the soak and runs it.
#   test/RxSockets.Soak/soak.sh [--duration 600] [--clients 1000] [--log soak.log] …
# 1,000 clients are 1,000 sockets in this process and up to 1,000 in each node: the open-file limit
# is raised to the hard limit first. Exit code: 0 passed, 1 a check failed, 3 the deadline passed.
set -eu
cd "$(dirname "$0")/../.."
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then hard=65536; fi
ulimit -n "$hard"
dotnet build test/RxSockets.Soak -c Release -warnaserror -v q -nologo >/dev/null
exec dotnet test/RxSockets.Soak/bin/Release/net10.0/RxSockets.Soak.dll "$@"

#!/usr/bin/env bash
# tools/deps.sh: the Debian packages dispatch-cts uses, checked, and
# installed when we are root.  The one dependency step: `make run` calls
# it for what the matrix uses, ./run_tests.sh for everything.
#
#   tools/deps.sh run     what `make run` uses, all optional: liburing, the
#                         engine adapters' libraries, jansson (--format json),
#                         which make leaves out when missing, and socat
#                         (the peer cases skip without it)
#   tools/deps.sh test    everything ./run_tests.sh uses: run, plus the
#                         test tools (cmocka, valgrind, prove, ...)
#
# As root, the missing packages are installed with apt-get install -y; a
# lock another apt holds (dpkg's, or the lists' of apt-get update) is
# waited for up to DCTS_APT_LOCK_TIMEOUT seconds (default 300), and a
# failed install is tried once more.  Otherwise the
# exact command is printed.  Exit status: 0 when nothing is missing any
# more, 1 when something is.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

what=${1:-test}
case $what in
  run|test) ;;
  -h|--help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "tools/deps.sh: unknown set '$what' (run or test)" >&2; exit 2 ;;
esac

# The backends on a library (uring, the engine adapters):
# backends/NAME/REQUIRES is "HEADER PACKAGE" (the Makefile probes the same
# header to decide whether to build NAME).
run_deps=("/usr/include/jansson.h:libjansson-dev" "socat:socat")
for req in backends/*/REQUIRES; do
  read -r header package <"$req" && run_deps+=("/usr/include/$header:$package")
done

# command-or-file:package
test_deps=(
  "cc:gcc" "make:make" "clang:clang" "patch:patch" "pkg-config:pkg-config"
  "/usr/include/cmocka.h:libcmocka-dev" "valgrind:valgrind"
  "/usr/include/valgrind/callgrind.h:valgrind" "strace:strace"
  "xmllint:libxml2-utils" "jq:jq" "prove:perl" "help2man:help2man" "file:file"
  "man:man-db"
)

deps=("${run_deps[@]}")
[[ $what == test ]] && deps+=("${test_deps[@]}")

missing=()
for dep in "${deps[@]}"; do
  path=${dep%%:*} package=${dep##*:}
  if [[ $path == /* ]]; then [[ -e $path ]] && continue
  else command -v "$path" >/dev/null 2>&1 && continue; fi
  [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
done
((${#missing[@]})) || exit 0

if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "tools/deps.sh: missing Debian packages; install them with:"
  echo "  sudo apt-get install -y ${missing[*]}"
  exit 1
fi

log=${TMPDIR:-/tmp}/dispatch-cts-apt.log
timeout=${DCTS_APT_LOCK_TIMEOUT:-300}
lock=(-o "DPkg::Lock::Timeout=$timeout")
apt() {
  apt-get "${lock[@]}" update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -q \
      --no-install-recommends "${missing[@]}"
} >"$log" 2>&1
# dpkg's lock is waited for by apt itself (DPkg::Lock::Timeout); the lists
# lock of 'apt-get update' is not, so a held lock is waited for here, up
# to the same timeout.  Any other failure is tried once more.
echo "tools/deps.sh: installing ${missing[*]}"
deadline=$((SECONDS + timeout)) retried=0 waiting=0
until apt; do
  if grep -qE 'Could not get lock|Unable to lock|Unable to acquire' "$log" &&
     ((SECONDS < deadline)); then
    ((waiting++)) || echo "tools/deps.sh: another apt holds the lock; waiting up to ${timeout} s"
    sleep 3
  elif ((!retried)); then
    retried=1
    echo "tools/deps.sh: apt-get failed; trying once more in 10 s (log: $log)"
    sleep 10
  else
    tail -5 "$log"; echo "tools/deps.sh: apt-get install failed (log: $log)"; exit 1
  fi
done
exit 0

#!/usr/bin/env bash
# Runs every koi test: installs missing test peers (as root), builds, publishes the Native AOT binary,
# runs unit, process and lab scenario tests. Ends with "N passed, N failed[, N skipped]"; exit 0 only if
# nothing failed. CI reads only that line and the exit code.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results=artifacts/test-results
rm -rf "$results"; mkdir -p "$results"
passed=0; failed=0; skipped=0

summary() {
  if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"
  else echo "$passed passed, $failed failed"; fi
}

abort() { echo "test.sh: $1" >&2; failed=$((failed + 1)); summary; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  scripts/install-test-deps.sh || abort "installing test dependencies failed"
else
  scripts/install-test-deps.sh   # reports what is missing; lab scenarios skip without root
fi

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "== build"
dotnet build Koi.slnx -c Debug -p:KoiCommit="$commit" -v quiet -nologo > "$results/build.log" 2>&1 \
  || { tail -40 "$results/build.log" >&2; abort "build failed (see $results/build.log)"; }

# The Native AOT binary users run (README) is what the lab scenarios and Koi.Tests' published-binary tests drive.
# Its publish (Release compile + native compile and link, several minutes on 2 cores) runs beside the first unit
# test projects, niced so that their timings suffer as little as possible; the tests that need the binary wait for
# it. -nodeReuse:false keeps its MSBuild nodes (and so the native compiler) children of this niced process.
# Any trim/AOT warning is an error (Directory.Build.props), so a new one fails the run here.
echo "== publish (Native AOT, in the background)"
rm -rf artifacts/publish
nice -n 10 dotnet publish src/Koi -c Release -r linux-x64 -p:KoiCommit="$commit" -nodeReuse:false \
  -o artifacts/publish -v quiet -nologo > "$results/publish.log" 2>&1 &
publish_pid=$!
export KOI_BIN="$PWD/artifacts/publish/koi"
published=0
await_publish() {
  [ "$published" -eq 1 ] && return 0
  echo "== waiting for the publish"
  wait "$publish_pid" || { tail -40 "$results/publish.log" >&2; abort "publish failed (see $results/publish.log)"; }
  [ -x "$KOI_BIN" ] || abort "publish left no $KOI_BIN (see $results/publish.log)"
  published=1
}

# Unit and process tests first, lab scenarios (slowest, root only) last.
projects=$(find tests -mindepth 2 -maxdepth 2 -name '*.csproj' ! -path '*/Koi.Testing/*' ! -path '*/Koi.Scenarios/*' | sort)
projects="$projects tests/Koi.Scenarios/Koi.Scenarios.csproj"
for project in $projects; do
  name=$(basename "$project" .csproj)
  # Koi.Tests (published-binary tests) and the lab scenarios run the published binary.
  case "$name" in Koi.Tests|Koi.Scenarios) await_publish ;; esac
  echo "== $name"
  log="$results/$name.log"
  # --blame-hang turns a hung test into a failure with a name instead of a stuck CI job. A lab scenario with
  # minute-scale certificate lifetimes waits for several renewals in a row (about 5 minutes by its own clock), so
  # the lab's limit is longer; each of its waits has its own bound.
  hang=5m; [ "$name" = Koi.Scenarios ] && hang=12m
  timeout 1200 dotnet test "$project" --no-build -c Debug --blame-hang-timeout "$hang" > "$log" 2>&1
  line=$(grep -E "(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+" "$log" | tail -1)
  if [ -z "$line" ]; then
    tail -40 "$log" >&2
    echo "   $name: no result summary (crashed or timed out); counted as 1 failed" >&2
    failed=$((failed + 1)); continue
  fi
  f=$(sed -E 's/.*Failed: +([0-9]+),.*/\1/' <<<"$line")
  p=$(sed -E 's/.*Passed: +([0-9]+),.*/\1/' <<<"$line")
  s=$(sed -E 's/.*Skipped: +([0-9]+),.*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  echo "   $p passed, $f failed, $s skipped"
  if [ "$f" -gt 0 ]; then grep -E "^\s+Failed |\[FAIL\]" "$log" | sort -u | head -30 >&2; fi
done

await_publish   # a failed publish fails the run even if no project above needed it
summary
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# The steps of the composite GitHub Action in action.yml, one subcommand per step, so that
# tests can run them with a fake GITHUB_* environment (tests/test_action.py).
#
#   action.sh install   create a virtualenv, install fastlint (INPUT_VERSION, or the action's
#                       own checkout), put it on GITHUB_PATH
#   action.sh check     fastlint check INPUT_ARGS as workflow annotations (and SARIF when
#                       INPUT_SARIF is true); the exit code is kept for `finish`
#   action.sh review    on pull_request events, fastlint review --post; on a fork's pull
#                       request (read-only token) the annotations of `check` stand instead
# With INPUT_BASELINE, check and review both leave out the findings that baseline lists.
#   action.sh finish    fail the job when `check` found something (unless INPUT_FAIL_ON_FINDINGS=false)
set -uo pipefail

state="${RUNNER_TEMP:?RUNNER_TEMP is not set}/fastlint-action"
mkdir -p "$state"

note() { echo "::notice title=fastlint::$*"; }
warn() { echo "::warning title=fastlint::$*"; }

event_field() {  # event_field EXPR: a field of the webhook event, '' when absent
    [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ] || { echo ""; return; }
    python3 - "$GITHUB_EVENT_PATH" "$1" <<'PY'
import json, sys
value = json.load(open(sys.argv[1], encoding="utf-8"))
for key in sys.argv[2].split("."):
    value = value.get(key) if isinstance(value, dict) else None
print("" if value is None else str(value).lower() if isinstance(value, bool) else value)
PY
}

is_fork_pull_request() {
    local head base
    head="$(event_field pull_request.head.repo.full_name)"
    base="$(event_field pull_request.base.repo.full_name)"
    [ -n "$head" ] && [ -n "$base" ] && [ "$head" != "$base" ]
}

install() {
    local venv="${FASTLINT_VENV:-${RUNNER_TEMP}/fastlint-venv}" spec
    if [ -n "${INPUT_VERSION:-}" ]; then
        spec="fastlint==${INPUT_VERSION#v}"
    else
        spec="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
    fi
    # Runners' system Python refuses global installs (PEP 668): a virtualenv of our own.
    "${INPUT_PYTHON:-python3}" -m venv "$venv" || return 2
    # shellcheck disable=SC2086  # INPUT_PIP_ARGS is a list of arguments
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet ${INPUT_PIP_ARGS:-} "$spec" || return 2
    echo "$venv/bin" >> "${GITHUB_PATH:?GITHUB_PATH is not set}"
    echo "fastlint installed from $spec into $venv"
}

baseline=()
if [ -n "${INPUT_BASELINE:-}" ]; then
    baseline=(--baseline "$INPUT_BASELINE")
fi

check() {
    local rc
    # shellcheck disable=SC2086  # INPUT_ARGS is the user's argument list
    fastlint check --output-format github ${baseline[@]+"${baseline[@]}"} ${INPUT_ARGS:-.}
    rc=$?
    echo "$rc" > "$state/check-exit"
    if [ "$rc" -ge 2 ]; then
        return "$rc"  # a usage or configuration error fails at once
    fi
    if [ "${INPUT_SARIF:-false}" = "true" ]; then
        # shellcheck disable=SC2086
        fastlint check --exit-zero --quiet --output-format sarif -o "${INPUT_SARIF_FILE:-fastlint.sarif}" ${baseline[@]+"${baseline[@]}"} ${INPUT_ARGS:-.} || return 2
        echo "sarif-file=${INPUT_SARIF_FILE:-fastlint.sarif}" >> "${GITHUB_OUTPUT:-/dev/null}"
    fi
    echo "exit-code=$rc" >> "${GITHUB_OUTPUT:-/dev/null}"
    return 0
}

review() {
    case "${GITHUB_EVENT_NAME:-}" in
        pull_request|pull_request_target) ;;
        *) echo "not a pull_request event (${GITHUB_EVENT_NAME:-none}): no review"; return 0 ;;
    esac
    if is_fork_pull_request && [ "${GITHUB_EVENT_NAME}" = "pull_request" ]; then
        note "pull request from a fork: the token is read-only, so findings are shown as annotations instead of a review"
        return 0
    fi
    local base="origin/${GITHUB_BASE_REF:?GITHUB_BASE_REF is not set}" err rc
    if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
        git fetch --quiet --no-tags origin "${GITHUB_BASE_REF}:refs/remotes/origin/${GITHUB_BASE_REF}" 2>/dev/null \
            || base="${GITHUB_BASE_REF}"
    fi
    err="$state/review-stderr"
    # shellcheck disable=SC2086
    fastlint review --base "$base" --post ${baseline[@]+"${baseline[@]}"} ${INPUT_REVIEW_ARGS:-} > "$state/review.json" 2> "$err"
    rc=$?
    cat "$err" >&2
    if [ "$rc" -ge 2 ]; then
        if grep -qE "answered (401|403)|needs a token" "$err"; then
            warn "could not post the review (the token cannot write to pull requests: grant 'pull-requests: write'); findings are shown as annotations"
            return 0
        fi
        return "$rc"
    fi
    return 0
}

finish() {
    local rc
    rc="$(cat "$state/check-exit" 2>/dev/null || echo 0)"
    if [ "$rc" = "1" ] && [ "${INPUT_FAIL_ON_FINDINGS:-true}" != "true" ]; then
        note "findings reported; fail-on-findings is false"
        return 0
    fi
    return "$rc"
}

case "${1:-}" in
    install|check|review|finish) "$1" ;;
    *) echo "usage: action.sh install|check|review|finish" >&2; exit 2 ;;
esac

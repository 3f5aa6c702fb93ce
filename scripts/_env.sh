# Shared by scripts/serve and scripts/test: find Python 3.11+, make .venv, install the project.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "innostudy needs Python 3.11 or newer" >&2
    return 1
}

# ensure_venv [EXTRA...]: create .venv and (re)install the project with these extras
# (`ensure_venv test bench` installs .[test,bench]) when pyproject.toml changed.
ensure_venv() {
    local extras stamp
    extras="$(IFS=,; echo "$*")"
    if [ ! -x .venv/bin/python ]; then
        "$(find_python)" -m venv .venv
    fi
    stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extras:+-$extras}"
    if [ ! -f "$stamp" ]; then
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
        touch "$stamp"
    fi
}

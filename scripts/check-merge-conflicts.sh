#!/usr/bin/env bash
# Fails (with file:line) when a git-tracked text file still holds a merge-conflict marker:
# a line starting with <<<<<<<, =======, or >>>>>>> (the FastAPI version once shipped such a broken merge).
# Usage: scripts/check-merge-conflicts.sh   (from anywhere inside the repository)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

# -I skips binary files; `=======` must fill the line, so longer `===` rules are not flagged.
if hits=$(git grep -n -I -E -e '^(<<<<<<<|>>>>>>>)( |$)' -e '^=======$'); then
  echo "merge-conflict markers found:"
  # file:line:text → file:line, then the marker itself.
  printf '%s\n' "$hits" | sed -E 's/^([^:]+:[0-9]+):(.*)$/  \1  \2/'
  exit 1
fi
echo "no merge-conflict markers in $(git ls-files | wc -l | tr -d ' ') tracked files"

#!/usr/bin/env bash
# Writes the manual pages and shell completions of pnrp, pnrp-sim and easy-connect into dist/:
#   dist/man/man1/*.1                      (from each command's --help, by swift-argument-parser's generate-manual)
#   dist/completions/{bash,zsh,fish}/...   (from each command's --generate-completion-script)
# Install them with, for example:
#   sudo cp dist/man/man1/*.1 /usr/local/share/man/man1/
#   sudo cp dist/completions/bash/* /usr/share/bash-completion/completions/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
tools=(pnrp pnrp-sim easy-connect)
for tool in "${tools[@]}"; do swift build --product "$tool"; done
bin="$(swift build --show-bin-path)"
mkdir -p dist/man/man1 dist/completions/bash dist/completions/zsh dist/completions/fish
swift package generate-manual
for tool in "${tools[@]}"; do
  cp ".build/plugins/GenerateManual/outputs/$tool/$tool.1" dist/man/man1/
  "$bin/$tool" --generate-completion-script bash >"dist/completions/bash/$tool"
  "$bin/$tool" --generate-completion-script zsh >"dist/completions/zsh/_$tool"
  "$bin/$tool" --generate-completion-script fish >"dist/completions/fish/$tool.fish"
done
echo "manual pages in dist/man/man1, completions in dist/completions"

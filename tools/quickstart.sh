#!/usr/bin/env bash
# quickstart.sh: sets up a Debian 12 or Ubuntu 22.04+ machine for vkgpt, builds it, and then
#   (no argument)  generates Russian text with the model in models/gpt2-ru-tiny, streamed as
#                  it comes, on the first GPU (or lavapipe, Mesa's CPU driver, when there is none);
#   test           runs the whole test suite (what CI runs).
# Every step is skipped when already done: packages already installed, build folder present.
set -euo pipefail

cd "$(dirname "$0")/.."

packages=(
  meson ninja-build pkg-config gcc python3
  glslang-tools spirv-tools
  libvulkan-dev libvulkan1 mesa-vulkan-drivers vulkan-validationlayers
  libutf8proc-dev libyaml-dev libjansson-dev libcriterion-dev
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "quickstart: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

build() {
  [ -f build/build.ninja ] || meson setup build ${VKGPT_WERROR:+--werror} >/dev/null
  ninja -C build
}

install_packages
build

# The freshly built tokenizer plugins, before any installed copy.
export VKGPT_PLUGIN_PATH="$PWD/build/plugins${VKGPT_PLUGIN_PATH:+:$VKGPT_PLUGIN_PATH}"

case "${1:-run}" in
  run)
    ./build/cli/vkgpt generate -m models/gpt2-ru-tiny -p "Команда ls выводит" -n 60
    echo
    echo "quickstart: 'build/cli/vkgpt devices' lists the GPUs; 'build/cli/vkgpt selftest'"
    echo "checks every shader on this one."
    ;;
  test)
    meson test -C build --print-errorlogs
    ;;
  *)
    echo "usage: $0 [run|test]" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Builds the test world's Go binaries from the wrapper modules under test/world/go/ and caches them
# outside the repo, so a second run (and CI on the same machine) is a cache hit in seconds.
#
#   $TESTWORLD_HOME/<component>-<key>/bin/<binary>    one directory per component and key
#   $TESTWORLD_HOME/manifest.json                     absolute paths the TypeScript launcher reads
#
# key = sha256(wrapper go.mod + go.sum + the component's local main.go files + package + build flags
# + `go version`). hostpathplugin is built in place from the read-only third-party source tree
# ($REPO/../shared/third-party/csi-driver-host-path, or $CSI_HOSTPATH_SRC) with -o into the cache;
# its key hashes that whole tree instead of a wrapper module. A component is rebuilt only when its key changes or its binary does not answer its
# version command. Builds go to a temp dir and are renamed into place; one flock serialises runs.
# Binaries never enter the repo.
set -euo pipefail

WORLD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GO_DIR="$WORLD_DIR/go"
REPO_DIR=$(cd "$WORLD_DIR/../.." && pwd)
# The shared references sit beside the repo (CI clones elsewhere with a copy of shared/ beside it).
HOSTPATH_SRC=${CSI_HOSTPATH_SRC:-$REPO_DIR/../shared/third-party/csi-driver-host-path}
if [ -d "$HOSTPATH_SRC" ]; then HOSTPATH_SRC=$(cd "$HOSTPATH_SRC" && pwd); fi
HOSTPATH_VERSION=v1.18.0
TESTWORLD_HOME=${TESTWORLD_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/csi-snapshotter-testworld}
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-modcacherw

K8S=v1.37.2
SNAP=v8.6.0
CSI_SPEC=v1.12.0
K8S_LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$K8S -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$K8S" | cut -d. -f2) -X k8s.io/client-go/pkg/version.gitVersion=$K8S"

# component | wrapper module | package | extra go build flags | ldflags | version command (after the binary)
COMPONENTS=(
  "kube-apiserver|kube-apiserver|k8s.io/kubernetes/cmd/kube-apiserver|-pgo=off|$K8S_LDFLAGS|--version"
  "kubectl|kube-apiserver|k8s.io/kubernetes/cmd/kubectl|-pgo=off|$K8S_LDFLAGS|version --client"
  "csi-mock-driver|kube-apiserver|./cmd/csi-mock-driver||-s -w|--version"
  "etcd|etcd|go.etcd.io/etcd/server/v3||-s -w|--version"
  "snapshot-controller|external-snapshotter|github.com/kubernetes-csi/external-snapshotter/v8/cmd/snapshot-controller||-s -w -X main.version=$SNAP|--version"
  "csi-snapshotter-upstream|external-snapshotter|github.com/kubernetes-csi/external-snapshotter/v8/cmd/csi-snapshotter||-s -w -X main.version=$SNAP|--version"
  # Module "@hostpath" = the third-party source tree itself. -mod=mod: the tree ships without vendor/.
  # The version stamp is required: without it GetPluginInfo answers "Driver is missing version".
  "hostpathplugin|@hostpath|./cmd/hostpathplugin|-mod=mod|-s -w -X main.version=$HOSTPATH_VERSION|--version"
)

mkdir -p "$TESTWORLD_HOME"
exec 9>"$TESTWORLD_HOME/.lock"
if ! flock -n 9; then
  echo "build.sh: waiting for another build in $TESTWORLD_HOME" >&2
  flock 9
fi

GO_VERSION=$(go version)
TIME_BIN=""
if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then TIME_BIN=/usr/bin/time; fi

module_dir() { # module
  if [ "$1" = "@hostpath" ]; then echo "$HOSTPATH_SRC"; else echo "$GO_DIR/$1"; fi
}

component_key() { # module package flags ldflags
  local mod pkg=$2
  mod=$(module_dir "$1")
  {
    cat "$mod/go.mod" "$mod/go.sum"
    if [ "$1" = "@hostpath" ]; then
      # Every file of the tree, names and contents, in a stable order.
      (cd "$mod" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    elif [[ $pkg == ./* ]]; then
      find "$mod/${pkg#./}" -type f -name '*.go' -print0 | sort -z | xargs -0 cat
    fi
    printf '%s\n' "$pkg" "$3" "$4" "$GO_VERSION" "$GOTOOLCHAIN $CGO_ENABLED $GOFLAGS -trimpath"
  } | sha256sum | cut -c1-16
}

answers_version() { # binary versionargs
  local bin=$1; shift
  [ -x "$bin" ] && "$bin" "$@" >/dev/null 2>&1
}

build_component() { # name module package flags ldflags versionargs
  local name=$1 module=$2 pkg=$3 flags=$4 ldflags=$5 version=$6
  local key dir bin tmp log
  key=$(component_key "$module" "$pkg" "$flags" "$ldflags")
  dir="$TESTWORLD_HOME/$name-$key"
  bin="$dir/bin/$name"
  # shellcheck disable=SC2086 # version args are deliberately word-split
  if answers_version "$bin" $version; then
    echo "build.sh: $name cached ($dir)" >&2
    BIN_PATHS[$name]=$bin
    return 0
  fi
  tmp="$TESTWORLD_HOME/$name-$key.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp/bin"
  log="$tmp/build.log"
  echo "build.sh: building $name from $(module_dir "$module") ($pkg) ..." >&2
  local start=$SECONDS rc=0
  local cmd=(go build -trimpath $flags -ldflags "$ldflags" -o "$tmp/bin/$name" "$pkg")
  local src
  src=$(module_dir "$module")
  if [ ! -f "$src/go.mod" ]; then
    echo "build.sh: FAILED to build $name: no Go module at $src (for hostpathplugin: is ../shared/third-party/csi-driver-host-path beside the repo, or CSI_HOSTPATH_SRC set?)" >&2
    rm -rf "$tmp"
    exit 1
  fi
  if [ -n "$TIME_BIN" ]; then
    (cd "$src" && "$TIME_BIN" -v -o "$tmp/time.txt" "${cmd[@]}") >"$log" 2>&1 || rc=$?
  else
    (cd "$src" && "${cmd[@]}") >"$log" 2>&1 || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    echo "build.sh: FAILED to build $name (exit $rc); last lines of the go output:" >&2
    tail -n 40 "$log" >&2
    rm -rf "$tmp"
    exit 1
  fi
  # shellcheck disable=SC2086
  if ! answers_version "$tmp/bin/$name" $version; then
    echo "build.sh: FAILED: built $name does not answer '$version'" >&2
    rm -rf "$tmp"
    exit 1
  fi
  local rss=""
  if [ -f "$tmp/time.txt" ]; then
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$tmp/time.txt")
    [ -n "$rss" ] && rss=", peak RSS $((rss / 1024)) MiB"
  fi
  echo "build.sh: built $name in $((SECONDS - start)) s$rss" >&2
  rm -rf "$dir"
  mv -T "$tmp" "$dir"
  BIN_PATHS[$name]=$bin
  # Keep this key and the newest older one; older keys only waste disk.
  find "$TESTWORLD_HOME" -mindepth 1 -maxdepth 1 -type d -name "$name-*" ! -name '*.tmp.*' ! -path "$dir" \
    -printf '%T@ %p\n' | sort -rn | tail -n +2 | cut -d' ' -f2- | xargs -r rm -rf
}

declare -A BIN_PATHS=()
for spec in "${COMPONENTS[@]}"; do
  IFS='|' read -r c_name c_module c_pkg c_flags c_ldflags c_version <<<"$spec"
  build_component "$c_name" "$c_module" "$c_pkg" "$c_flags" "$c_ldflags" "$c_version"
done

# csi.proto comes from the module cache (never copied into the repo); the external-snapshotter
# wrapper's go.sum already pins the spec module.
CSI_PROTO_DIR=$(cd "$GO_DIR/external-snapshotter" && go mod download -json "github.com/container-storage-interface/spec@$CSI_SPEC" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
CSI_PROTO="$CSI_PROTO_DIR/csi.proto"
if [ ! -f "$CSI_PROTO" ]; then
  echo "build.sh: FAILED: csi.proto not found at '$CSI_PROTO'" >&2
  exit 1
fi

manifest_tmp="$TESTWORLD_HOME/manifest.json.tmp.$$"
{
  echo '{'
  echo "  \"k8sVersion\": \"$K8S\","
  echo "  \"snapshotterVersion\": \"$SNAP\","
  echo "  \"csiProto\": \"$CSI_PROTO\","
  echo '  "binaries": {'
  sep=""
  for spec in "${COMPONENTS[@]}"; do
    IFS='|' read -r c_name _ <<<"$spec"
    printf '%s    "%s": "%s"' "$sep" "$c_name" "${BIN_PATHS[$c_name]}"
    sep=$',\n'
  done
  printf '\n  }\n}\n'
} >"$manifest_tmp"
mv -f "$manifest_tmp" "$TESTWORLD_HOME/manifest.json"
echo "$TESTWORLD_HOME/manifest.json"

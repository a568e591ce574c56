# Shared by scripts/test.sh and scripts/test-deploy.sh: a private network
# namespace with only loopback, for suites whose Docker clients fall back to
# the real registry when a mirror fails (that fallback must not leave the machine).
#   netns_create PREFIX   make one (needs root); fails without
#   netns_exec CMD...     run CMD inside it
#   netns_cleanup         kill what is left inside and delete it (for an EXIT trap)

netns_name=""

netns_create() {
  [[ $(id -u) -eq 0 ]] || return 1
  ip netns add "$1-$$" 2>/dev/null || return 1
  netns_name="$1-$$"
  ip -n "$netns_name" link set lo up
}

netns_exec() {
  nsenter --net="/run/netns/$netns_name" "$@"
}

netns_cleanup() {
  [[ -n "$netns_name" ]] || return 0
  # whatever the suite left running (it stops its own daemons)
  for pid in $(ip netns pids "$netns_name" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  ip netns del "$netns_name" 2>/dev/null || true
  netns_name=""
}

# worlds.sh: sourced by the sim/tests scripts that take WORLD arguments
# (determinism.sh, pcap.sh, headline.sh); never run.
#
# A WORLD is a seed number or a scenario file (*.scn).

# world_how WORLD: the `isim run` options that name WORLD, into the array how.
world_how() {
	case "$1" in
	*.scn) how=(--scenario "$1") ;;
	*) how=(--seed "$1") ;;
	esac
}

#!/bin/sh
# /usr/local/sbin/chibo-pgbackrest-backup TYPE (full or diff), run by pgbackrest-backup@TYPE.service on both
# database nodes: only the node that is primary right now (Patroni's GET /primary answers 200) backs up. It then
# writes the time of the last good backup for node exporter's textfile collector (the BackupTooOld alert).
set -eu
type="${1:-diff}"
patroni="${PATRONI_URL:-http://127.0.0.1:8008}"
textfile="${TEXTFILE_DIR:-/var/lib/prometheus/node-exporter}"
if ! curl -sf -o /dev/null "$patroni/primary"; then
	echo "not the primary: no backup here"
	exit 0
fi
pgbackrest --stanza=chibo --type="$type" backup
if [ -d "$textfile" ]; then
	printf '# HELP chibo_pgbackrest_last_backup_timestamp_seconds End of the last successful pgBackRest backup.\n# TYPE chibo_pgbackrest_last_backup_timestamp_seconds gauge\nchibo_pgbackrest_last_backup_timestamp_seconds{type="%s"} %s\n' \
		"$type" "$(date +%s)" > "$textfile/pgbackrest-$type.prom.tmp"
	mv "$textfile/pgbackrest-$type.prom.tmp" "$textfile/pgbackrest-$type.prom"
fi

#!/usr/bin/env bash
# Lays out the installed tree and packs it: the release archive always, the Debian package where dpkg-deb
# is found (without it the build says so and goes on: the archive alone is still a release).
# Usage: build-package.sh VERSION JAR JAVA OUT
set -euo pipefail
version=$1 jar=$2 java=$3 out=$4
src="$(cd "$(dirname "$0")" && pwd)/package"
# Debian orders 0.1.0~SNAPSHOT before 0.1.0, as Maven orders 0.1.0-SNAPSHOT; a Debian version has no '-'
# unless it ends in a Debian revision.
debversion=${version//-/\~}
# Same bytes from the same commit: every file's time is the last commit's (or the epoch outside git).
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || echo 0)}

[ -f "$jar" ] || { echo "dist: $jar is missing: build the taskfs module first (mvn -B verify from the root)" >&2; exit 1; }
rm -rf "$out/stage"
tree="$out/stage/taskfs-$version"
install -D -m 0755 "$src/bin/taskfs" "$tree/usr/bin/taskfs"
install -D -m 0644 "$jar" "$tree/usr/share/taskfs/taskfs.jar"
install -D -m 0644 -t "$tree/lib/systemd/system" "$src/systemd/taskfs-node.service" "$src/systemd/taskfs-serve.service"
install -D -m 0644 -t "$tree/etc/taskfs" "$src/etc/node.conf" "$src/etc/serve.conf"

# Man pages and completion from the jar itself, so they describe exactly the commands it has.
quick=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
man="$tree/usr/share/man/man1"
"$java" "${quick[@]}" -jar "$jar" generate-man "$man" >/dev/null
gzip -9n "$man"/*.1
mkdir -p "$tree/usr/share/bash-completion/completions"
"$java" "${quick[@]}" -jar "$jar" generate-completion >"$tree/usr/share/bash-completion/completions/taskfs"
find "$tree" -exec touch -h -d "@$epoch" {} +

# The archive: the tree and a note on installing it.
sed "s/@VERSION@/$version/g" "$src/INSTALL" >"$tree/INSTALL"
touch -d "@$epoch" "$tree/INSTALL"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$out/stage" -cf - "taskfs-$version" \
  | gzip -n >"$out/taskfs-$version.tar.gz"
rm "$tree/INSTALL"
echo "dist: $out/taskfs-$version.tar.gz"

if ! command -v dpkg-deb >/dev/null; then
  echo "dist: dpkg-deb not found: skipped the Debian package (apt-get install dpkg-dev, or build on Debian)" >&2
  exit 0
fi
deb="$out/stage/deb"
cp -a "$tree" "$deb"
mkdir -p "$deb/DEBIAN"
(cd "$deb" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs md5sum) >"$deb/DEBIAN/md5sums"
printf '%s\n' /etc/taskfs/node.conf /etc/taskfs/serve.conf >"$deb/DEBIAN/conffiles"
cat >"$deb/DEBIAN/control" <<CONTROL
Package: taskfs
Version: $debversion
Architecture: all
Maintainer: taskfs maintainers <taskfs@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$deb" | cut -f1)
Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless | openjdk-17-jre-headless, libfuse2
Recommends: fuse3, munge
Section: admin
Priority: optional
Description: job-orchestration file system served over 9P2000
 A cluster driven with cat and echo, in the line of Inferno's devcmd and
 xcpu: open clone for a session, write "res 4" and "exec hostname" to its
 ctl, read the output from its files. taskfs node runs the tasks on each
 machine, taskfs serve coordinates them (systemd units taskfs-node and
 taskfs-serve, configured in /etc/taskfs), taskfs run and taskfs mount use them.
CONTROL
# systemd, where it runs, learns of new or removed units; services are stopped before their files go.
cat >"$deb/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  systemctl try-restart taskfs-node.service taskfs-serve.service || true
fi
SCRIPT
cat >"$deb/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl stop taskfs-node.service taskfs-serve.service || true
fi
SCRIPT
cat >"$deb/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
  # What `systemctl enable` made: links to units that no longer exist.
  rm -f /etc/systemd/system/*.wants/taskfs-node.service /etc/systemd/system/*.wants/taskfs-serve.service
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
SCRIPT
chmod 0755 "$deb/DEBIAN/postinst" "$deb/DEBIAN/prerm" "$deb/DEBIAN/postrm"
find "$deb/DEBIAN" -exec touch -h -d "@$epoch" {} +
# The jar is compressed already: xz would save 2% for ten seconds more than gzip.
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zgzip --build "$deb" "$out/taskfs_${debversion}_all.deb" >/dev/null
rm -rf "$deb"
echo "dist: $out/taskfs_${debversion}_all.deb"

#!/usr/bin/env bash
# shellcheck shell=bash
#
# Finds a JDK 25 or newer and exports JAVA_HOME to it.
#
#   . scripts/lib/jdk.sh
#   evloop_find_jdk        # exports JAVA_HOME and EVLOOP_JAVA_VERSION, or prints why not and exits 1
#
# Running this file directly (bash scripts/lib/jdk.sh) prints the JDK it finds.
#
# Search order: $JAVA_HOME if it is 25 or newer; then `java` on PATH (its real home, through
# symlinks) if it is 25 or newer; then the highest version >= 25 among the usual install folders.
# EVLOOP_JDK_SEARCH_DIRS, a colon-separated list of glob patterns of JDK homes, replaces those
# folders (for tests; set it empty to search none).
#
# Written for bash 3.2 (macOS) and for callers under `set -euo pipefail`: no associative arrays,
# no mapfile, no empty-array expansions, and every command that may fail is guarded.

EVLOOP_JDK_MIN=25

# The real path of $1, following symlinks, without needing GNU readlink.
_evloop_realpath() {
  local p=$1 r link n=0 dir
  if r=$(readlink -f -- "$p" 2>/dev/null) && [ -n "$r" ]; then
    printf '%s\n' "$r"
    return 0
  fi
  while [ -L "$p" ] && [ "$n" -lt 40 ]; do
    link=$(readlink -- "$p" 2>/dev/null) || break
    case $link in
      /*) p=$link ;;
      *) p=$(dirname -- "$p")/$link ;;
    esac
    n=$((n + 1))
  done
  if dir=$(cd -P -- "$(dirname -- "$p")" 2>/dev/null && pwd); then
    printf '%s/%s\n' "$dir" "$(basename -- "$p")"
  else
    printf '%s\n' "$p"
  fi
}

# The full version string of the Java home $1 ("25.0.3", "17.0.15", "1.8.0_292"), or nothing.
_evloop_java_version() {
  local home=$1 v=
  if [ -r "$home/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$home/release" 2>/dev/null | sed -n 1p) || v=
  fi
  if [ -z "$v" ] && [ -x "$home/bin/java" ]; then
    v=$("$home/bin/java" -version 2>&1 </dev/null | sed -n 's/^.* version "\([^"]*\)".*$/\1/p' | sed -n 1p) || v=
  fi
  printf '%s' "$v"
}

# A sortable number for a version string: major*10^6 + minor*10^3 + security ("25.0.3" -> 25000003).
_evloop_version_key() {
  local v=$1 major minor=0 sec=0 rest
  case $v in 1.*) v=${v#1.} ;; esac
  major=${v%%[!0-9]*}
  [ -n "$major" ] || major=0
  rest=${v#"$major"}
  case $rest in
    .[0-9]*)
      rest=${rest#.}
      minor=${rest%%[!0-9]*}
      rest=${rest#"$minor"}
      case $rest in
        .[0-9]*) rest=${rest#.}; sec=${rest%%[!0-9]*} ;;
      esac
      ;;
  esac
  # Strip leading zeros so bash does not read them as octal.
  major=$((10#$major)); minor=$((10#${minor:-0})); sec=$((10#${sec:-0}))
  [ "$minor" -lt 1000 ] || minor=999
  [ "$sec" -lt 1000 ] || sec=999
  printf '%s' $((major * 1000000 + minor * 1000 + sec))
}

# Checks the Java home $1. On success sets _evloop_ok_version and returns 0; otherwise appends
# "  <where>: <reason>" to _evloop_rejected and returns 1. $2 says where it came from.
_evloop_check_home() {
  local home=$1 where=$2 v key
  _evloop_ok_version=
  if [ ! -x "$home/bin/java" ]; then
    _evloop_rejected="${_evloop_rejected}  ${where}: no bin/java there
"
    return 1
  fi
  v=$(_evloop_java_version "$home")
  if [ -z "$v" ]; then
    _evloop_rejected="${_evloop_rejected}  ${where}: could not read its version (no release file, java -version failed)
"
    return 1
  fi
  key=$(_evloop_version_key "$v")
  if [ "$key" -lt $((EVLOOP_JDK_MIN * 1000000)) ]; then
    _evloop_rejected="${_evloop_rejected}  ${where}: Java ${v} (need ${EVLOOP_JDK_MIN} or newer)
"
    return 1
  fi
  if [ ! -x "$home/bin/javac" ]; then
    _evloop_rejected="${_evloop_rejected}  ${where}: Java ${v} is a JRE, not a JDK (no bin/javac)
"
    return 1
  fi
  if ! "$home/bin/java" -version >/dev/null 2>&1 </dev/null; then
    _evloop_rejected="${_evloop_rejected}  ${where}: Java ${v} does not run on this machine (wrong OS or CPU?)
"
    return 1
  fi
  _evloop_ok_version=$v
  return 0
}

# Prints the default folder patterns, one per line.
_evloop_default_patterns() {
  local h=${HOME:-/nonexistent}
  printf '%s\n' \
    '/usr/lib/jvm/*' \
    '/usr/java/*' \
    '/opt/java/*' \
    '/opt/jdk*' \
    '/Library/Java/JavaVirtualMachines/*/Contents/Home' \
    "$h/Library/Java/JavaVirtualMachines/*/Contents/Home" \
    "$h/.sdkman/candidates/java/*" \
    "$h/.jdks/*" \
    "$h/.asdf/installs/java/*" \
    "$h/.local/share/mise/installs/java/*" \
    '/usr/local/opt/openjdk*' \
    '/usr/local/opt/openjdk*/libexec/openjdk.jdk/Contents/Home' \
    '/opt/homebrew/opt/openjdk*/libexec/openjdk.jdk/Contents/Home' \
    '/home/linuxbrew/.linuxbrew/opt/openjdk*/libexec'
}

# Exports JAVA_HOME=$1 and EVLOOP_JAVA_VERSION=$2, saying so when that replaces a JAVA_HOME.
_evloop_use() {
  if [ -n "${JAVA_HOME:-}" ] && [ "$JAVA_HOME" != "$1" ]; then
    echo "evloop: JAVA_HOME=$JAVA_HOME is not a JDK ${EVLOOP_JDK_MIN}+; using $1 instead" >&2
  fi
  JAVA_HOME=$1
  EVLOOP_JAVA_VERSION=$2
  export JAVA_HOME EVLOOP_JAVA_VERSION
}

# Finds a JDK >= EVLOOP_JDK_MIN, exports JAVA_HOME and EVLOOP_JAVA_VERSION; prints why not and
# exits 1 when there is none.
evloop_find_jdk() {
  local java_on_path real home pat cand where patterns restore_f= seen best= best_key=0 best_v= key
  local IFS=' 	
'
  local searched_folders nl='
'
  _evloop_rejected=
  _evloop_ok_version=
  seen='
'

  # 1. JAVA_HOME
  if [ -n "${JAVA_HOME:-}" ]; then
    if _evloop_check_home "$JAVA_HOME" "JAVA_HOME=$JAVA_HOME"; then
      _evloop_use "$JAVA_HOME" "$_evloop_ok_version"
      return 0
    fi
    seen="$seen$(_evloop_realpath "$JAVA_HOME")
"
  fi

  # 2. java on PATH, through symlinks (/usr/bin/java -> /etc/alternatives/java -> .../bin/java)
  java_on_path=
  if java_on_path=$(command -v java 2>/dev/null) && [ -n "$java_on_path" ]; then
    real=$(_evloop_realpath "$java_on_path")
    home=$(dirname -- "$(dirname -- "$real")")
    # A JRE 8 layout keeps java in jre/bin; the JDK home is one folder up.
    case $home in
      */jre) if [ -x "${home%/jre}/bin/javac" ]; then home=${home%/jre}; fi ;;
    esac
    if _evloop_check_home "$home" "java on PATH ($java_on_path -> $home)"; then
      _evloop_use "$home" "$_evloop_ok_version"
      return 0
    fi
    seen="$seen$home
"
  fi

  # 3. the usual install folders: the highest version wins
  if [ -n "${EVLOOP_JDK_SEARCH_DIRS+set}" ]; then
    patterns=${EVLOOP_JDK_SEARCH_DIRS//:/$nl}
  else
    patterns=$(_evloop_default_patterns)
    # macOS keeps its own registry of JDKs.
    if [ -x /usr/libexec/java_home ]; then
      cand=$(/usr/libexec/java_home -v "${EVLOOP_JDK_MIN}+" 2>/dev/null) || cand=
      [ -z "$cand" ] || patterns="$patterns
$cand"
    fi
  fi
  searched_folders=$(printf '%s\n' "$patterns" | sed '/^$/d; s/^/    /')

  case $- in *f*) restore_f=1; set +f ;; esac
  while IFS= read -r pat; do
    [ -n "$pat" ] || continue
    # Unquoted on purpose, for the glob; with IFS empty there is no word splitting, so
    # folders with spaces in their names survive.
    IFS=
    for cand in $pat; do
      [ -d "$cand" ] || continue
      real=$(_evloop_realpath "$cand")
      case $seen in *"
$real
"*) continue ;; esac
      seen="$seen$real
"
      # Folders without bin/java (docs, .jinfo files, empty shells) are not candidates at all.
      [ -x "$real/bin/java" ] || continue
      if [ "$real" = "$cand" ]; then where=$cand; else where="$cand -> $real"; fi
      if _evloop_check_home "$real" "$where"; then
        key=$(_evloop_version_key "$_evloop_ok_version")
        if [ "$key" -gt "$best_key" ]; then
          best=$real
          best_key=$key
          best_v=$_evloop_ok_version
        fi
      fi
    done
  done <<EOF
$patterns
EOF
  [ -z "$restore_f" ] || set -f

  if [ -n "$best" ]; then
    _evloop_use "$best" "$best_v"
    return 0
  fi

  {
    echo "evloop: no JDK ${EVLOOP_JDK_MIN} or newer found."
    echo "Searched:"
    if [ -n "${JAVA_HOME:-}" ]; then echo "  JAVA_HOME ($JAVA_HOME)"; else echo "  JAVA_HOME (not set)"; fi
    if [ -n "$java_on_path" ]; then echo "  java on PATH ($java_on_path)"; else echo "  java on PATH (none)"; fi
    if [ -n "$searched_folders" ]; then
      echo "  the install folders:"
      echo "$searched_folders"
    else
      echo "  no install folders (EVLOOP_JDK_SEARCH_DIRS is empty)"
    fi
    if [ -n "$_evloop_rejected" ]; then
      echo "Found, but not usable:"
      printf '%s' "$_evloop_rejected"
    else
      echo "Found no Java installation at all."
    fi
    echo "Install a JDK ${EVLOOP_JDK_MIN} (Temurin ${EVLOOP_JDK_MIN}: apt install temurin-${EVLOOP_JDK_MIN}-jdk" \
      "from packages.adoptium.net, brew install --cask temurin@${EVLOOP_JDK_MIN}," \
      "or sdk install java ${EVLOOP_JDK_MIN}-tem), or set JAVA_HOME to one."
  } >&2
  exit 1
}

# Run directly: find the JDK and say which.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  evloop_find_jdk
  echo "JAVA_HOME=$JAVA_HOME (Java $EVLOOP_JAVA_VERSION)"
fi

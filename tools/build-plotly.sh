#!/usr/bin/env bash
# The partial plotly.js bundle the wall serves in place of plotly's full one
# (web/plotly_bundle.py): only the trace types CityWall draws, so a wall's
# browser compiles about two thirds as much script (3.1 MB of 4.8) before it draws
# the first map.
#
#   tools/build-plotly.sh    needs node and npm; writes web/static/plotly-citywall.min.js
#
# Run it again after upgrading the plotly Python package (it builds the plotly.js
# version that package bundles) or when a page draws a new trace type (add it to
# TRACES; tests/citywall/test_plotly_bundle.py fails until it is built).
#
# Built as plotly.js builds its own partial bundles (tasks/partial_bundle.mjs and
# esbuild-config.js in its repository): lib/core plus the traces in lib/index.js's
# order and the calendars component, as an IIFE that sets window.Plotly, with the
# attributes' documentation stripped (tasks/compress_attributes.js) and maplibre's
# CSS inlined. Dependencies resolve as they were published on the day after that
# plotly.js release (npm --before), so the same version builds the same file.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
OUT=$ROOT/web/static/plotly-citywall.min.js
# lib/index.js's order; scatter is part of lib/core in every bundle
TRACES="bar scattergeo choropleth scattermap choroplethmap"
ESBUILD=0.28.2

FULL=$("$PYTHON" -c 'import pathlib, plotly; print(pathlib.Path(plotly.__file__).parent / "package_data" / "plotly.min.js")')
VERSION=$(sed -n '1,5s/^\* plotly\.js v\([0-9][0-9.]*\)$/\1/p' "$FULL")
if [ -z "$VERSION" ]; then
  echo "no plotly.js version in the header of $FULL" >&2
  exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
printf '{"private": true}\n' >package.json

PUBLISHED=$(npm view "plotly.js@$VERSION" time --json |
  node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8"))[process.argv[1]] || "")' "$VERSION")
if [ -z "$PUBLISHED" ]; then
  echo "plotly.js $VERSION is not published" >&2
  exit 1
fi
BEFORE=$(node -e 'const d = new Date(process.argv[1]); d.setUTCDate(d.getUTCDate() + 1); process.stdout.write(d.toISOString().slice(0, 10))' "$PUBLISHED")

echo "plotly.js $VERSION with dependencies as of $BEFORE, esbuild $ESBUILD"
npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
  --before="$BEFORE" "plotly.js@$VERSION" "esbuild@$ESBUILD"

{
  echo "var Plotly = require('plotly.js/lib/core');"
  echo "Plotly.register(["
  for trace in $TRACES; do echo "  require('plotly.js/lib/$trace'),"; done
  echo "  require('plotly.js/lib/calendars'),"
  echo "]);"
  echo "module.exports = Plotly;"
} >index.js

cat >build.mjs <<'EOF'
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const [entry, outfile] = process.argv.slice(2);

// plotly.js's tasks/compress_attributes.js: the attributes' documentation goes.
// Its patterns, made exact: only string literals, and arrays of them joined with
// the joiner on lines of its own, as the published sources are formatted.
const str = /(?:'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")/.source;
const strings = String.raw`\[(?:\s|${str}|,|//[^\n]*)*\]`;
const meta = new RegExp(
  String.raw`\s*(?:(?:description|hrName|role): ${str}` +
    String.raw`|description: ${strings}\.join\(\s*${str}\s*\)` +
    String.raw`|(?:requiredOpts|otherOpts): ${strings}),?`,
  'g',
);
const compressAttributes = {
  name: 'compress-attributes',
  setup(b) {
    b.onLoad({ filter: /[\\/]plotly\.js[\\/]src[\\/].*\.js$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace(meta, ''),
      loader: 'js',
    }));
  },
};

// esbuild-plugin-inline-css as plotly.js uses it, with an id from the package's
// path rather than this folder's, so that every build writes the same file
const inlineCss = {
  name: 'inline-css',
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, async (args) => {
      const css = await readFile(args.path, 'utf8');
      const where = path.relative(process.cwd(), args.path).split(path.sep).join('/');
      const id = createHash('sha256').update(where).digest('hex');
      return {
        contents: `(function(){if(!document.getElementById(${JSON.stringify(id)})){` +
          `var e=document.createElement('style');e.id=${JSON.stringify(id)};` +
          `e.textContent=${JSON.stringify(css)};document.head.appendChild(e);}})();`,
        loader: 'js',
      };
    });
  },
};

await build({
  entryPoints: [entry],
  outfile,
  format: 'iife',
  globalName: 'Plotly',
  bundle: true,
  minify: true,
  sourcemap: false,
  plugins: [inlineCss, compressAttributes],
  alias: { regl: '@plotly/regl' },
  define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
  footer: { js: 'window.Plotly = Plotly;' },
  target: 'es2016',
  logLevel: 'warning',
});
EOF
node build.mjs index.js bundle.js

mkdir -p "$(dirname "$OUT")"
{
  echo "/**"
  echo "* plotly.js (citywall - minified) v$VERSION"
  echo "* Copyright 2012-$(date -u -d "$PUBLISHED" +%Y), Plotly, Inc."
  echo "* All rights reserved."
  echo "* Licensed under the MIT license"
  echo "*"
  echo "* Traces: scatter $TRACES; the calendars component."
  echo "* Built by tools/build-plotly.sh from the plotly.js $VERSION package and its"
  echo "* dependencies as published before $BEFORE, with esbuild $ESBUILD."
  echo "*/"
  cat bundle.js
} >"$OUT"
echo "wrote $OUT ($(wc -c <"$OUT") bytes)"

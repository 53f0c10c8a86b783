// Atlassian's own code as the oracle for tandem's rich-text conversions.
//
// 1. Every ADF document tandem writes for the corpus (directly, and after a trip through each
//    other format) must validate against @atlaskit/adf-schema's JSON schema and load into its
//    ProseMirror schema (which also checks content order, e.g. what a list item may start with).
// 2. Atlassian's wiki and Markdown readers (@atlaskit/editor-wikimarkup-transformer,
//    @atlaskit/editor-markdown-transformer) read the corpus and tandem's own wiki/Markdown
//    output; tandem reads the same text. Both results are compared in tandem's normal form
//    (Atlassian's ADF goes through `tandem convert --from adf --model`), so only differences of
//    meaning count. Every difference must be listed, with its reason, in known-differences.json;
//    an unlisted or changed difference fails the suite.
//
// Usage: node oracle.cjs <tandem binary> <corpus dir> [--update]
//   --update rewrites known-differences.json: keeps reasons of unchanged entries, adds new ones
//   with reason "TODO" (which fails until a person writes the reason).
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');

const Ajv = require('ajv-draft-04');
const { defaultSchema } = require('@atlaskit/adf-schema/schema-default');
const { WikiMarkupTransformer } = require('@atlaskit/editor-wikimarkup-transformer');
const { MarkdownTransformer } = require('@atlaskit/editor-markdown-transformer');
const { JSONTransformer } = require('@atlaskit/editor-json-transformer');

const [bin, corpusDir, ...flags] = process.argv.slice(2);
if (!bin || !corpusDir) {
  console.error('usage: node oracle.cjs <tandem binary> <corpus dir> [--update]');
  process.exit(2);
}
const update = flags.includes('--update');
const knownFile = path.join(__dirname, 'known-differences.json');

function tandem(args, input) {
  return execFileSync(bin, ['convert', ...args], { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}
const convert = (from, to, input) => tandem(['--from', from, '--to', to], input);
const model = (from, input) => JSON.parse(tandem(['--from', from, '--model'], input));

const formatOf = (name) =>
  name.endsWith('.adf.json') ? 'adf'
    : name.endsWith('.wiki') ? 'wiki'
      : name.endsWith('.html') ? 'html'
        : name.endsWith('.md') ? 'markdown' : null;

const samples = fs.readdirSync(corpusDir).sort()
  .filter((n) => formatOf(n))
  .map((name) => ({ name, format: formatOf(name), text: fs.readFileSync(path.join(corpusDir, name), 'utf8') }));
if (samples.length === 0) {
  console.error(`no corpus samples in ${corpusDir}`);
  process.exit(1);
}

let failures = 0;
const fail = (msg) => { failures += 1; console.error(`FAIL ${msg}`); };

// ---------------------------------------------------------------------------------------------
// 1. Schema validation.
const schemaPath = require.resolve('@atlaskit/adf-schema/dist/json-schema/v1/full.json');
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));

let validated = 0;
for (const s of samples) {
  const variants = [[`${s.name} -> adf`, convert(s.format, 'adf', s.text)]];
  for (const via of ['wiki', 'html', 'markdown', 'adf']) {
    const mid = convert(s.format, via, s.text);
    variants.push([`${s.name} -> ${via} -> adf`, convert(via, 'adf', mid)]);
  }
  for (const [label, text] of variants) {
    validated += 1;
    let adf;
    try {
      adf = JSON.parse(text);
    } catch (e) {
      fail(`${label}: not JSON: ${e.message}`);
      continue;
    }
    if (!validate(adf)) {
      // anyOf errors are noisy: show the deepest few.
      const errs = validate.errors.slice().sort((a, b) => b.instancePath.length - a.instancePath.length).slice(0, 5);
      fail(`${label}: ADF schema: ${errs.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
      continue;
    }
    try {
      defaultSchema.nodeFromJSON(adf).check();
    } catch (e) {
      fail(`${label}: ProseMirror schema: ${e.message}`);
    }
  }
}
console.log(`schema: ${validated} ADF documents checked against @atlaskit/adf-schema`);

// ---------------------------------------------------------------------------------------------
// 2. Atlassian's readers against tandem's.
const json = new JSONTransformer();
const wikiReader = new WikiMarkupTransformer(defaultSchema);
const mdReader = new MarkdownTransformer(defaultSchema);
const readers = {
  wiki: (text) => json.encode(wikiReader.parse(text)),
  markdown: (text) => json.encode(mdReader.parse(text)),
};

const cases = [];
for (const s of samples) {
  for (const fmt of ['wiki', 'markdown']) {
    if (s.format === fmt) cases.push({ id: `${fmt}:${s.name}`, format: fmt, text: s.text });
    cases.push({ id: `${fmt}:tandem-output-of:${s.name}`, format: fmt, text: convert(s.format, fmt, s.text) });
  }
}

function diffPaths(a, b, at = '', out = []) {
  if (out.length >= 8) return out;
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diffPaths(a[k], b[k], `${at}/${k}`, out);
    return out;
  }
  const show = (v) => (v === undefined ? '(none)' : JSON.stringify(v).slice(0, 160));
  out.push(`${at || '/'}: tandem=${show(a)} atlassian=${show(b)}`);
  return out;
}

const known = fs.existsSync(knownFile) ? JSON.parse(fs.readFileSync(knownFile, 'utf8')) : { differences: [] };
const knownById = new Map(known.differences.map((d) => [d.id, d]));
const seen = [];
let differences = 0;
for (const c of cases) {
  const ours = model(c.format, c.text);
  let theirs;
  try {
    theirs = model('adf', JSON.stringify(readers[c.format](c.text)));
  } catch (e) {
    fail(`${c.id}: Atlassian's ${c.format} reader failed: ${e.message}`);
    continue;
  }
  const a = JSON.stringify(ours);
  const b = JSON.stringify(theirs);
  if (a === b) continue;
  differences += 1;
  const fingerprint = crypto.createHash('sha256').update(`${a}\n${b}`).digest('hex').slice(0, 16);
  const entry = knownById.get(c.id);
  const paths = diffPaths(ours, theirs);
  seen.push({ id: c.id, fingerprint, reason: entry ? entry.reason : 'TODO', where: paths });
  if (!entry) {
    fail(`${c.id}: unexplained difference (fingerprint ${fingerprint}):\n    ${paths.join('\n    ')}`);
  } else if (entry.fingerprint !== fingerprint) {
    fail(`${c.id}: the difference changed (fingerprint ${entry.fingerprint} -> ${fingerprint}); re-check it:\n    ${paths.join('\n    ')}`);
  } else if (!entry.reason || entry.reason === 'TODO') {
    fail(`${c.id}: listed without a reason`);
  }
}
const stale = known.differences.filter((d) => !seen.some((s) => s.id === d.id));
for (const d of stale) console.log(`note: ${d.id} no longer differs; remove it from known-differences.json`);
console.log(`oracle: ${cases.length} texts read by both; ${differences} differ, each must be listed with a reason`);

if (update) {
  fs.writeFileSync(knownFile, `${JSON.stringify({ differences: seen.map(({ where, ...rest }) => rest) }, null, 2)}\n`);
  console.log(`wrote ${knownFile}`);
}
if (failures > 0) {
  console.error(`${failures} oracle check(s) failed`);
  process.exit(1);
}
console.log('oracle: all checks passed');

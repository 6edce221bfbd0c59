#!/usr/bin/env node
// ajv side of the validator benchmark: the same cases, loop and output as validator_bench.cpp,
// so run.sh can put the two next to each other. A tool, not a test.
//
//   node ajv_bench.js [--data DIR] [--duration S] [--warmup S] [--case NAME]...
//
// Cases (data/<shape>/): "<shape>" runs the valid documents, "<shape>-invalid" the invalid ones.
// Each document is kept as a string and parsed inside the timed loop, because Accord's
// is_valid(bytes) includes its simdjson parse: both sides pay for getting from bytes to a verdict.
// Every result is checked against the expected verdict; a wrong one exits 1, so a validator that
// skips work cannot show up as fast. cpu_* fields divide by the process's CPU time
// (process.cpuUsage(): every thread of node, so V8's compiler and GC helpers are charged to ajv)
// instead of wall time, which on a shared machine includes other processes' turns on the core.
'use strict';

const fs = require('fs');
const path = require('path');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormatsModule = require('ajv-formats');
const addFormats = addFormatsModule.default || addFormatsModule;

const SHAPES = ['event-300B', 'batch-4KB'];

function usage(code) {
  process.stderr.write('usage: ajv_bench.js [--data DIR] [--duration S] [--warmup S] [--case NAME]...\n');
  process.exit(code);
}

function parseArgs(argv) {
  const o = { data: path.join(__dirname, 'data'), duration: 3, warmup: 1, cases: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(2);
      return argv[++i];
    };
    if (a === '--data') o.data = next();
    else if (a === '--duration') o.duration = Number(next());
    else if (a === '--warmup') o.warmup = Number(next());
    else if (a === '--case') o.cases.push(next());
    else if (a === '-h' || a === '--help') usage(0);
    else usage(2);
  }
  if (!(o.duration > 0) || !(o.warmup >= 0)) usage(2);
  return o;
}

function readDocs(dir) {
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  if (names.length === 0) throw new Error(`no documents in ${dir}`);
  return names.map((n) => ({ name: path.join(dir, n), text: fs.readFileSync(path.join(dir, n), 'utf8') }));
}

function fail(msg) {
  process.stderr.write(`ajv_bench: ${msg}\n`);
  process.exit(1);
}

// Runs passes over all documents until `seconds` have gone by; the clock is read once per pass
// (16 documents), which keeps hrtime's cost out of the per-document figure.
function loop(validate, texts, expected, seconds) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let passes = 0;
  let now;
  for (;;) {
    for (let i = 0; i < texts.length; i++) {
      if (validate(JSON.parse(texts[i])) !== expected) return { wrong: i };
    }
    passes++;
    now = process.hrtime.bigint();
    if (now >= deadline) break;
  }
  const cpu = process.cpuUsage(cpuStart);
  return { passes, ns: Number(now - start), cpuNs: (cpu.user + cpu.system) * 1000 };
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const ajvVersion = require('ajv/package.json').version;
  const cases = [];
  for (const shape of SHAPES) {
    for (const [suffix, expected] of [['', true], ['-invalid', false]]) {
      const name = shape + suffix;
      if (o.cases.length && !o.cases.includes(name)) continue;
      cases.push({ name, shape, expected, dir: path.join(o.data, shape, expected ? 'valid' : 'invalid') });
    }
  }
  if (cases.length === 0) fail('no case selected');

  for (const c of cases) {
    const schema = JSON.parse(fs.readFileSync(path.join(o.data, c.shape, 'schema.json'), 'utf8'));
    // strict:false as a production registry would run it (unknown keywords are not errors);
    // allErrors:false = stop at the first failure, like Accord's is_valid().
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const docs = readDocs(c.dir);
    const texts = docs.map((d) => d.text);
    const bytesPerPass = docs.reduce((s, d) => s + Buffer.byteLength(d.text, 'utf8'), 0);

    // Check each document once with a readable message before any timing.
    for (const d of docs) {
      const got = validate(JSON.parse(d.text));
      if (got !== c.expected) {
        fail(`${c.name}: ${d.name} is ${got ? 'valid' : 'invalid'}, expected ${c.expected ? 'valid' : 'invalid'}` +
             (validate.errors ? ` ${JSON.stringify(validate.errors)}` : ''));
      }
    }
    // Warm-up: lets V8 optimise the generated validator (and Accord warm its caches) first.
    if (o.warmup > 0) {
      const w = loop(validate, texts, c.expected, o.warmup);
      if (w.wrong !== undefined) fail(`${c.name}: wrong verdict for ${docs[w.wrong].name} during warm-up`);
    }
    const r = loop(validate, texts, c.expected, o.duration);
    if (r.wrong !== undefined) fail(`${c.name}: wrong verdict for ${docs[r.wrong].name}`);

    const n = r.passes * texts.length;
    const seconds = r.ns / 1e9;
    process.stdout.write(JSON.stringify({
      impl: 'ajv',
      case: c.name,
      docs: n,
      seconds: Number(seconds.toFixed(3)),
      avg_doc_bytes: Math.round(bytesPerPass / texts.length),
      docs_per_s: Math.round(n / seconds),
      ns_per_doc: Number((r.ns / n).toFixed(1)),
      mb_per_s: Number(((r.passes * bytesPerPass) / 1e6 / seconds).toFixed(2)),
      cpu_seconds: Number((r.cpuNs / 1e9).toFixed(3)),
      cpu_docs_per_s: Math.round(n / (r.cpuNs / 1e9)),
      cpu_ns_per_doc: Number((r.cpuNs / n).toFixed(1)),
      cpu_share: Number((r.cpuNs / r.ns).toFixed(3)),
      version: `ajv ${ajvVersion}, node ${process.version}`,
    }) + '\n');
  }
}

main();

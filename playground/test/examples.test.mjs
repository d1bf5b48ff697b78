// Every example under operations/ is valid against ../schema.graphql, and
// every root field of Query, Mutation and Subscription is used by at least
// one example. When the schema grows, this fails until examples are added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, buildSchema, parse, specifiedRules, validate, visit, NoUnusedFragmentsRule } from 'graphql';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaPath = join(root, '..', 'schema.graphql');
const opsDir = join(root, 'operations');

const schema = buildSchema(readFileSync(schemaPath, 'utf8'));
const files = readdirSync(opsDir, { recursive: true })
  .filter((f) => f.endsWith('.graphql'))
  .map((f) => join(opsDir, f))
  .sort();

const rel = (f) => relative(root, f);

/** file -> parsed document (parse errors are reported by the per-file test) */
const docs = new Map();
for (const file of files) {
  try {
    docs.set(file, parse(readFileSync(file, 'utf8')));
  } catch {
    // reported below
  }
}

/** fragment name -> definition, over all files */
const fragments = new Map();
for (const doc of docs.values()) {
  for (const def of doc.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
}

/** The fragments a definition spreads, transitively (missing ones skipped). */
function usedFragments(definitions) {
  const seen = new Map();
  const queue = [...definitions];
  while (queue.length > 0) {
    visit(queue.pop(), {
      FragmentSpread(node) {
        const name = node.name.value;
        if (!seen.has(name) && fragments.has(name)) {
          seen.set(name, fragments.get(name));
          queue.push(fragments.get(name));
        }
      },
    });
  }
  return [...seen.values()];
}

test('there are example operations', () => {
  assert.ok(files.length > 0, `no .graphql files under ${rel(opsDir)}`);
});

for (const file of files) {
  test(`${rel(file)} is valid against schema.graphql`, () => {
    const doc = parse(readFileSync(file, 'utf8'));
    const own = doc.definitions;
    const operations = own.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const ownFragmentNames = new Set(
      own.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => d.name.value),
    );
    // One named operation per file, named like the file (Me.graphql: query Me),
    // or a file of fragments only.
    if (operations.length > 0) {
      assert.equal(operations.length, 1, 'one operation per file');
      assert.equal(operations[0].name?.value, basename(file, '.graphql'), 'operation named like its file');
    }
    const extra = usedFragments(own).filter((f) => !ownFragmentNames.has(f.name.value));
    const full = { kind: Kind.DOCUMENT, definitions: [...own, ...extra] };
    // A fragments-only file is not expected to use its own fragments.
    const rules = operations.length > 0 ? specifiedRules : specifiedRules.filter((r) => r !== NoUnusedFragmentsRule);
    const errors = validate(schema, full, rules);
    assert.deepEqual(errors.map((e) => e.message), []);
  });
}

test('all examples together form one valid document (unique names, no unused fragments)', () => {
  const all = { kind: Kind.DOCUMENT, definitions: [...docs.values()].flatMap((d) => d.definitions) };
  assert.equal(docs.size, files.length, 'every file parses');
  assert.deepEqual(validate(schema, all).map((e) => e.message), []);
});

test('every root field of the schema is used by an example', () => {
  const used = { query: new Set(), mutation: new Set(), subscription: new Set() };
  for (const doc of docs.values()) {
    for (const def of doc.definitions) {
      if (def.kind !== Kind.OPERATION_DEFINITION) continue;
      // Root fields, also through fragments / inline fragments on the root type.
      const pending = [def.selectionSet];
      while (pending.length > 0) {
        for (const sel of pending.pop().selections) {
          if (sel.kind === Kind.FIELD) used[def.operation].add(sel.name.value);
          else if (sel.kind === Kind.INLINE_FRAGMENT) pending.push(sel.selectionSet);
          else if (fragments.has(sel.name.value)) pending.push(fragments.get(sel.name.value).selectionSet);
        }
      }
    }
  }
  const missing = [];
  for (const [operation, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ]) {
    for (const field of Object.keys(type?.getFields() ?? {})) {
      if (!used[operation].has(field)) missing.push(`${type.name}.${field}`);
    }
  }
  assert.deepEqual(
    missing,
    [],
    `add an example under operations/ (then \`npm run codegen\`) for: ${missing.join(', ')}`,
  );
});

// Every example under operations/ is valid against ../schema.graphql, and
// every root field of Query, Mutation and Subscription is used by at least
// one example. When the schema grows, this fails until examples are added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  Kind,
  NoUnusedFragmentsRule,
  buildSchema,
  specifiedRules,
  validate,
  type DocumentNode,
  type SelectionSetNode,
} from 'graphql';
import { exampleFiles, fragmentsOf, schemaPath, usedFragments } from './support/examples.ts';

const schema = buildSchema(readFileSync(schemaPath, 'utf8'));
const files = exampleFiles();
const fragments = fragmentsOf(files);

test('there are example operations', () => {
  assert.ok(files.length > 0, 'no .graphql files under operations/');
});

for (const file of files) {
  test(`${file.path} is valid against schema.graphql`, () => {
    if (file.parseError) throw file.parseError;
    const own = file.document!.definitions;
    const operations = own.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const ownFragments = new Set(own.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [d.name.value] : [])));
    // One named operation per file, named like the file (Me.graphql: query Me),
    // or a file of fragments only.
    if (operations.length > 0) {
      assert.equal(operations.length, 1, 'one operation per file');
      assert.equal(operations[0]!.name?.value, basename(file.path, '.graphql'), 'operation named like its file');
    }
    const extra = usedFragments(own, fragments).filter((f) => !ownFragments.has(f.name.value));
    const full: DocumentNode = { kind: Kind.DOCUMENT, definitions: [...own, ...extra] };
    // A fragments-only file is not expected to use its own fragments.
    const rules = operations.length > 0 ? specifiedRules : specifiedRules.filter((r) => r !== NoUnusedFragmentsRule);
    assert.deepEqual(
      validate(schema, full, rules).map((e) => e.message),
      [],
    );
  });
}

test('all examples together form one valid document (unique names, no unused fragments)', () => {
  assert.deepEqual(
    files.filter((f) => f.parseError).map((f) => f.path),
    [],
    'every file parses',
  );
  const all: DocumentNode = { kind: Kind.DOCUMENT, definitions: files.flatMap((f) => f.document?.definitions ?? []) };
  assert.deepEqual(
    validate(schema, all).map((e) => e.message),
    [],
  );
});

test('every root field of the schema is used by an example', () => {
  const used = { query: new Set<string>(), mutation: new Set<string>(), subscription: new Set<string>() };
  for (const file of files) {
    for (const def of file.document?.definitions ?? []) {
      if (def.kind !== Kind.OPERATION_DEFINITION) continue;
      // Root fields, also through fragments / inline fragments on the root type.
      const pending: SelectionSetNode[] = [def.selectionSet];
      while (pending.length > 0) {
        for (const sel of pending.pop()!.selections) {
          if (sel.kind === Kind.FIELD) used[def.operation].add(sel.name.value);
          else if (sel.kind === Kind.INLINE_FRAGMENT) pending.push(sel.selectionSet);
          else {
            const fragment = fragments.get(sel.name.value);
            if (fragment) pending.push(fragment.selectionSet);
          }
        }
      }
    }
  }
  const missing: string[] = [];
  for (const [operation, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const) {
    if (!type) continue;
    for (const field of Object.keys(type.getFields())) {
      if (!used[operation].has(field)) missing.push(`${type.name}.${field}`);
    }
  }
  assert.deepEqual(missing, [], `add an example under operations/ (then \`npm run codegen\`) for: ${missing.join(', ')}`);
});

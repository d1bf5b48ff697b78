// generated/ is exactly what `npm run codegen` writes from ../schema.graphql
// and operations/ (nothing stale, nothing missing, nothing extra).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import config from '../codegen.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const generatedDir = join(root, 'generated');
const HINT = 'run `npm run codegen` in playground/ and commit generated/';

test('generated/ is up to date with schema.graphql and operations/', async () => {
  const cwd = process.cwd();
  process.chdir(root); // codegen.ts paths are relative to playground/
  let outputs: { filename: string; content: string }[];
  try {
    outputs = await generate({ ...config, silent: true, cwd: root }, false);
  } finally {
    process.chdir(cwd);
  }
  const expected = new Map(outputs.map((o) => [relative(root, resolve(root, o.filename)), o.content]));
  const actual = new Map(
    readdirSync(generatedDir, { recursive: true, encoding: 'utf8' })
      .map((f) => join(generatedDir, f))
      .filter((f) => statSync(f).isFile())
      .map((f) => [relative(root, f), readFileSync(f, 'utf8')] as const),
  );
  for (const [file, content] of expected) {
    assert.ok(actual.has(file), `${file} is missing; ${HINT}`);
    assert.ok(actual.get(file) === content, `${file} is stale; ${HINT}`);
  }
  const extra = [...actual.keys()].filter((f) => !expected.has(f));
  assert.deepEqual(extra, [], `files in generated/ that codegen does not write; ${HINT}`);
});

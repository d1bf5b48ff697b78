// The example operations under operations/: parsed, with the fragments
// each one needs (fragments live in their own files).
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  Kind,
  parse,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { playgroundDir } from './env.ts';

export const operationsDir = join(playgroundDir, 'operations');
export const schemaPath = join(playgroundDir, '..', 'schema.graphql');

export interface ExampleFile {
  /** Relative to playground/, e.g. operations/accounts/Me.graphql */
  path: string;
  source: string;
  /** Undefined when the file does not parse. */
  document?: DocumentNode;
  parseError?: Error;
}

export function exampleFiles(): ExampleFile[] {
  return readdirSync(operationsDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => {
      const full = join(operationsDir, f);
      const source = readFileSync(full, 'utf8');
      const path = relative(playgroundDir, full);
      try {
        return { path, source, document: parse(source) };
      } catch (err) {
        return { path, source, parseError: err as Error };
      }
    });
}

/** Fragment name -> definition, over all files. */
export function fragmentsOf(files: ExampleFile[]): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const f of files) {
    for (const def of f.document?.definitions ?? []) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
  }
  return fragments;
}

/** The fragments `definitions` spread, transitively (unknown ones skipped). */
export function usedFragments(
  definitions: readonly DefinitionNode[],
  fragments: Map<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const seen = new Map<string, FragmentDefinitionNode>();
  const queue: DefinitionNode[] = [...definitions];
  while (queue.length > 0) {
    visit(queue.pop()!, {
      FragmentSpread(node) {
        const fragment = fragments.get(node.name.value);
        if (fragment && !seen.has(node.name.value)) {
          seen.set(node.name.value, fragment);
          queue.push(fragment);
        }
      },
    });
  }
  return [...seen.values()];
}

export interface ExampleOperation {
  path: string;
  operation: OperationDefinitionNode;
  /** The operation with the fragments it needs: ready to send. */
  document: DocumentNode;
}

/** Every example operation as a complete document. */
export function exampleOperations(files = exampleFiles()): ExampleOperation[] {
  const fragments = fragmentsOf(files);
  const result: ExampleOperation[] = [];
  for (const f of files) {
    for (const def of f.document?.definitions ?? []) {
      if (def.kind !== Kind.OPERATION_DEFINITION) continue;
      const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [def, ...usedFragments([def], fragments)] };
      result.push({ path: f.path, operation: def, document });
    }
  }
  return result;
}

// What ../schema.graphql offers right now, so scenario steps for features that
// have not landed yet are skipped (and say so) instead of failing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { playgroundDir } from './env.ts';

const schema = buildSchema(readFileSync(join(playgroundDir, '..', 'schema.graphql'), 'utf8'));

/** True when every `Type.field` named is in schema.graphql. */
export function hasRootFields(...fields: string[]): boolean {
  return fields.every((f) => {
    const [typeName, fieldName] = f.split('.');
    const type = schema.getType(typeName);
    return !!type && 'getFields' in type && fieldName in type.getFields();
  });
}

// GraphQL Code Generator: ../schema.graphql + operations/**/*.graphql ->
// generated/ (TypeScript types of the schema and of every example operation,
// and a TypedDocumentNode per operation, e.g. `MeDocument`).
//
//   npm run codegen          # rewrite generated/
//   npm run test:codegen     # fail if generated/ is not what codegen writes
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'generated/': {
      preset: 'client',
      presetConfig: {
        // Plain object types for fragments: no useFragment() unmasking needed.
        fragmentMasking: false,
      },
      config: {
        // RFC 3339 strings on the wire.
        scalars: { DateTime: 'string' },
        // 'ACCEPT' | 'DECLINE' instead of TypeScript enums.
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;

import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the tests, from the checked-in SDL. `npm test` runs
 * `codegen --check`, so the generated files can never be stale.
 */
const config: CodegenConfig = {
  // NodeNext resolution wants explicit .js extensions in the generated imports
  importExtension: '.js',
  schema: 'schema/schema.graphql',
  documents: ['operations/**/*.graphql', 'test/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'test/gql/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
      // persisted-documents.json: the allow-list of PERSISTED_OPERATIONS_FILE
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
    },
  },
};

export default config;

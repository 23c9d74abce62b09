import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'bench/**',
      'scripts/**',
      'eslint.config.js',
      'web/vite.config.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The domain is pure: no I/O, no other layers, no Node built-ins (the web UI runs it in the browser).
    files: ['src/domain/**/*.ts'],
    ignores: ['src/domain/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'crypto'],
              message: 'src/domain is pure: no Node built-ins.',
            },
            {
              group: [
                '**/service/**',
                '**/store/**',
                '**/targets/**',
                '**/notify/**',
                '**/cli/**',
                '**/config/**',
                '**/server/**',
                '**/controller/**',
                '**/system/**',
                '**/api/**',
                '**/wire/**',
              ],
              message: 'src/domain imports nothing from other layers.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'src/domain takes time as a parameter.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'src/domain takes time as a parameter.',
        },
      ],
    },
  },
  {
    // The web UI: the same type-aware rules, checked against its own (browser) compiler settings.
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    languageOptions: {
      parserOptions: { project: './web/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // Tests read YAML back as untyped data to check it field by field.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  // Every layer's imports, as the layer table of docs/ARCHITECTURE.md draws them: cli, server and
  // controller reach adapters only through the composition root (src/wire/); adapters depend inward;
  // nothing imports cli, and only the composition root imports server. The system adapters (src/system:
  // the real clock, timers and hash) are for the composition root, the CLI's context and the stores'
  // audit hash; the service and the domain are handed them.
  ...layer(
    'src/service',
    ['store', 'targets', 'notify', 'cli', 'server', 'controller', 'config', 'api', 'wire', 'system'],
    'The service defines ports; adapters implement them.',
  ),
  ...layer(
    'src/api',
    ['store', 'targets', 'notify', 'cli', 'server', 'controller', 'config', 'wire', 'system'],
    'The API contract knows the service and the domain only.',
  ),
  ...layer(
    'src/config',
    ['service', 'store', 'targets', 'notify', 'cli', 'server', 'controller', 'api', 'wire', 'system'],
    'Configuration is read from the domain outward, never from other layers.',
  ),
  ...layer(
    'src/store',
    ['targets', 'notify', 'cli', 'server', 'controller', 'config', 'api', 'wire'],
    'An adapter implements a service port and knows nothing else.',
  ),
  ...layer(
    'src/targets',
    ['store', 'notify', 'cli', 'server', 'controller', 'config', 'api', 'wire', 'system'],
    'An adapter implements a service port and knows nothing else.',
  ),
  ...layer(
    'src/notify',
    ['store', 'targets', 'cli', 'server', 'controller', 'config', 'api', 'wire', 'system'],
    'An adapter implements a service port and knows nothing else.',
  ),
  ...layer(
    'src/controller',
    ['store', 'targets', 'notify', 'cli', 'server', 'config', 'api', 'wire', 'system'],
    'The controller gets its adapters from the composition root.',
  ),
  ...layer(
    'src/server',
    ['store', 'targets', 'notify', 'cli', 'controller', 'wire', 'system'],
    'The server gets its adapters from the composition root.',
  ),
  ...layer(
    'src/system',
    ['store', 'targets', 'notify', 'cli', 'server', 'controller', 'config', 'api', 'wire'],
    'The system adapters (clock, timers, hash) implement service ports and know nothing else.',
  ),
  ...layer(
    'src/cli',
    ['store', 'targets', 'notify', 'server', 'controller'],
    'The CLI reaches adapters only through the composition root (src/wire/).',
  ),
);

/** Forbids a layer's files to import the named top-level folders of src/. */
function layer(folder, forbidden, message) {
  return [
    {
      files: [`${folder}/**/*.ts`],
      ignores: [`${folder}/**/*.test.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: forbidden.map((f) => `**/${f}/**`),
                message,
              },
            ],
          },
        ],
      },
    },
  ];
}

import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'scripts/**', 'eslint.config.js'] },
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
  {
    files: ['src/service/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/store/**',
                '**/targets/**',
                '**/notify/**',
                '**/cli/**',
                '**/server/**',
                '**/controller/**',
              ],
              message: 'The service defines ports; adapters implement them.',
            },
          ],
        },
      ],
    },
  },
);

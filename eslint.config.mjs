// `make lint`: ESLint's and typescript-eslint's recommended type-checked rules, plus a few house rules.
// Formatting is Prettier's job (.prettierrc.json); no rule here concerns layout.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const moduleLevelLet =
  'No module-level `let`: state lives in an instance created by its owner (STYLE.md, one mutable store).';

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'reports/', 'bench-results/', 'coverage/', '.run/'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "Program > VariableDeclaration[kind='let']", message: moduleLevelLet },
        { selector: "Program > ExportNamedDeclaration > VariableDeclaration[kind='let']", message: moduleLevelLet },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-deprecated': 'error',
      '@typescript-eslint/no-misused-spread': 'error',
      // Express recognises an error handler by its four parameters; `_` marks the ones a function must accept.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.test.ts'],
    rules: {
      // supertest types a response body as any: it is the JSON under test, and the assertions on it are the check.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.{js,cjs,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  {
    // The control room's page: plain ES modules run by the browser as they are, with uPlot's global.
    files: ['control-room/public/**/*.mjs'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'sessionStorage',
          'localStorage',
          'fetch',
          'URLSearchParams',
          'FormData',
          'Event',
          'setTimeout',
          'uPlot',
        ].map((name) => [name, 'readonly']),
      ),
    },
    rules: { eqeqeq: 'error' },
  },
);

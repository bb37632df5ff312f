// The panel's lint (`jlpm lint`): eslint's and typescript-eslint's recommended rules with
// the type-aware ones (floating promises, promises passed where a callback is expected,
// objects stringified as "[object Object]", needless assertions): the mistakes that bite a
// UI that talks to a backend. Formatting is prettier's job (`jlpm format`): no style rules.
//
// The `no-unsafe-*` family and `no-explicit-any` stay off: the backend's shapes are typed
// from its OpenAPI document (src/api.ts), and what is left as `any` is user data (encoded
// values, JupyterLab command arguments) that the views check at run time anyway.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['lib/', 'test-build/', 'node_modules/', 'src/api.ts', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './tsconfig.test.json'],
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Lumino's message handlers take a `msg` they often do not need: `_msg` says so.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  {
    // node:test's `test(...)` returns a promise the runner itself waits for.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' }
  }
);

// Lint rules for the whole repository: typescript-eslint's recommended set plus the few rules that catch real bugs here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'test-artifacts/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
      // Matching control characters is the point of several validators here (frames, names, log lines).
      'no-control-regex': 'off',
      // A fake assigned once after closures that read it are made (let x!: T; ... x = ...) is not a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Build scripts and tool configs run on Node.
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    // The fake nvidia-smi is a plain Node script without an extension.
    files: ['controller/src/fake-world/nvidia-smi'],
    languageOptions: { globals: globals.node },
  },
);

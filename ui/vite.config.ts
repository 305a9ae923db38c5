/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: the same build is served by `bidswarm-cli serve` and loaded by Tauri.
  base: './',
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 900 },
  server: {
    // `npm run dev` talks to a running `bidswarm-cli serve` on the default address.
    proxy: { '/api': 'http://127.0.0.1:7357' },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});

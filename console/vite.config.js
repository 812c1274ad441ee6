// Vite build of the e呼应 console, served by app.py at /console.
// Everything the pages load — scripts, styles, the CJK web font, GraphiQL's Monaco editor
// workers — is emitted into dist/ here: district intranets are often cut off from the internet.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// @fontsource ships every slice as woff2 plus a woff fallback; every browser that runs this
// console reads woff2, so keep only that and halve the size of dist/.
function woff2Only() {
  return {
    name: 'ehy-woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!/@fontsource[\\/].*\.css$/.test(id)) return null;
      return { code: code.replace(/,\s*url\([^)]*\.woff\)\s*format\(['"]woff['"]\)/g, ''), map: null };
    },
  };
}

export default defineConfig({
  base: '/console/',
  plugins: [woff2Only(), react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 6000,
    // Fonts and workers are files of their own, never inlined data: URLs.
    assetsInlineLimit: 0,
    rollupOptions: {
      onwarn(warning, warn) {
        // GraphiQL's React-compiler output starts modules with "use no memo"; harmless when bundled.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  worker: { format: 'es' },
  server: {
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:8000', ws: true },
      '/media': 'http://127.0.0.1:8000',
      '/exports': 'http://127.0.0.1:8000',
    },
  },
});

// The site's theme: VitePress's default, plus the live examples (```js live blocks become
// LiveExample, see docs/README.md) and the output-size calculator of the Learn section.
import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import LiveExample from './live/LiveExample.vue';
import OutputSizeCalculator from './OutputSizeCalculator.vue';
import './style.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('LiveExample', LiveExample);
    app.component('OutputSizeCalculator', OutputSizeCalculator);
  },
} satisfies Theme;

// Prettier, as `npm run lint` checks it, for what the benchmarks write into the tree
// (bench/results/latest.json and the README section), so a bench run never breaks the lint.
import * as prettier from 'prettier';

/** `text` formatted as the file at `url` would be (its parser and the project's config). */
export async function formatAs(url, text, parser) {
  const options = (await prettier.resolveConfig(url)) || {};
  return prettier.format(text, { ...options, parser });
}

/**
 * Code blocks of widget/README.md, so tests check what the README tells storefront developers
 * to paste. A block is marked by an HTML comment on the line before it: `<!-- name -->`.
 */
// The browser's own fetch, taken before a test's fake proxy replaces it.
const realFetch = window.fetch.bind(window);

export async function readmeBlock(name: string): Promise<string> {
  const text = await (await realFetch('/widget/README.md')).text();
  const block = new RegExp(`<!-- ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!block) throw new Error(`widget/README.md has no code block marked <!-- ${name} -->`);
  return block[1]!;
}

/** Markdown files imported as text by the tests (Vite's `?raw` suffix), e.g. the README's table of built-in boards. */
declare module "*.md?raw" {
  const text: string;
  export default text;
}

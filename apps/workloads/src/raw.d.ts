/** Source files imported as text by the tests (Vite's `?raw` suffix), e.g. to find the line of a bug. */
declare module "*.ts?raw" {
  const text: string;
  export default text;
}

/** Markdown files imported as text by the tests, e.g. the READMEs' app lists. */
declare module "*.md?raw" {
  const text: string;
  export default text;
}

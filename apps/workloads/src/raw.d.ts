/** Source files imported as text by the tests (Vite's `?raw` suffix), e.g. to find the line of a bug. */
declare module "*.ts?raw" {
  const text: string;
  export default text;
}

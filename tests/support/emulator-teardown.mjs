export default async function teardown() {
  await globalThis.__FAUXQS__?.close();
}

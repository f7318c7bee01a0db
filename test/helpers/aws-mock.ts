import { mockClient } from 'aws-sdk-client-mock';

/**
 * `mockClient(Client)` for the tests of the enclosing `describe` (or spec) only: the mock is installed before its
 * first test and removed after its last. aws-sdk-client-mock patches the client class's `send`, which every spec
 * of a suite shares (test/helpers/specs.ts): a mock installed when the module loads would still answer, or be
 * replaced, while other specs' tests run. The handle forwards to the mock of the moment (`on`, `reset`,
 * `calls`…), so tests use it exactly like `mockClient`'s; using it outside a test or hook throws.
 */
export const scopedMockClient: typeof mockClient = (client) => {
  let current: { restore(): void } | undefined;
  beforeAll(() => {
    current = mockClient(client);
  });
  afterAll(() => {
    current?.restore();
    current = undefined;
  });
  return new Proxy({}, {
    get(_target, property) {
      if (!current) throw new Error(`the ${String(property)} of a scoped AWS client mock is used outside the tests of its describe`);
      const value = Reflect.get(current, property, current) as unknown;
      return typeof value === 'function' ? value.bind(current) : value;
    },
  }) as never;
};

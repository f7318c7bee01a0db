import { splitFlag } from '../../lib/cli/plain-args';

describe('splitFlag (every CLI reads its flags with it)', () => {
  test.each([
    ['--env=dev', { name: '--env', inline: 'dev' }],
    ['--env=', { name: '--env', inline: '' }],
    ['-c=k=v', { name: '-c=k=v' }],
    ['--context=imageTag=v1', { name: '--context', inline: 'imageTag=v1' }],
    ['--env', { name: '--env' }],
    ['dev', { name: 'dev' }],
    ['key=value', { name: 'key=value' }],
  ])('%s', (arg, expected) => {
    expect(splitFlag(arg)).toEqual(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { BoulderError, isErrorCode } from '../../apis/errors.ts';
import { errorMessage, isTerminalError, TerminalError } from './errors.ts';

describe('TerminalError', () => {
  it('is a BoulderError with code Invalid, a reason and a message', () => {
    const cause = new Error('root');
    const err = new TerminalError('InvalidImage', 'image "x:" has an empty tag', { cause });
    expect(err).toBeInstanceOf(BoulderError);
    expect(err.code).toBe('Invalid');
    expect(isErrorCode(err, 'Invalid')).toBe(true);
    expect(err.reason).toBe('InvalidImage');
    expect(err.message).toBe('image "x:" has an empty tag');
    expect(err.name).toBe('TerminalError');
    expect(err.cause).toBe(cause);
    expect(isTerminalError(err)).toBe(true);
    expect(isTerminalError(new BoulderError('Invalid', 'plain'))).toBe(false);
  });

  it('makes its reason a valid CamelCase condition reason', () => {
    expect(new TerminalError('invalid image', 'x').reason).toBe('InvalidImage');
    expect(new TerminalError('', 'x').reason).toBe('ReconcileFailed');
  });

  it('errorMessage describes anything thrown', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('text')).toBe('text');
    expect(errorMessage(42)).toBe('42');
  });
});

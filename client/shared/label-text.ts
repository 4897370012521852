/**
 * A moderator/session label as shown to a person: the server's own labels (the start-up key's
 * "first moderator") in the user's language, any label a streamer typed verbatim.
 */
import { FIRST_MODERATOR_LABEL } from '../../src/protocol/well-known-labels.ts';
import { translator } from './i18n.ts';

const t = translator({
  en: { first_moderator: 'first moderator' },
  ru: { first_moderator: 'первый модератор' },
});

export function labelText(label: string): string {
  return label === FIRST_MODERATOR_LABEL ? t('first_moderator') : label;
}

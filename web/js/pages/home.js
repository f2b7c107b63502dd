// @ts-check
// The home page: only translations and navigation (no cryptography, no API calls).
import { t } from '../i18n.js';
import { boot } from './common.js';

boot({ needsCrypto: false }).then((ok) => {
  if (ok) document.title = t('titles.home');
});

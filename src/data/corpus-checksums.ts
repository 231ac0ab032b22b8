/**
 * SHA-256 of the word-level language-modelling corpora, as listed in the
 * shared data folder's SHA256SUMS (../shared/datasets/SOURCES.md gives their
 * provenance): Mikolov's PTB files as Zaremba et al. 2014 used them, and
 * WikiText-2 v1 (tokenized) as Merity et al. 2016 published it. A copy whose
 * bytes differ is refused unless the caller turns the check off.
 */
export const PTB_SHA256: Readonly<Record<string, string>> = {
  "ptb.train.txt": "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
  "ptb.valid.txt": "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
  "ptb.test.txt": "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
};

export const WIKITEXT2_SHA256: Readonly<Record<string, string>> = {
  "wiki.train.tokens": "9e9fa1ad55b1c2c95b08e37dd8e653f638fac2c6de904b79e813611eefbc985f",
  "wiki.valid.tokens": "f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8",
  "wiki.test.tokens": "d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0",
};

/** The largest JSON body the API accepts. */
export const BODY_LIMIT = '1mb';

// Reference lists from the API (streets, departments, the taxonomy), fetched once per page.
import { gql } from './api.js';

const REF = `query RefData {
  streets(first: 12) { edges { node { id name } } }
  departments(first: 100, active: true) { edges { node { id name } } }
  categories { id name subcategories { id name } }
}`;

let refPromise = null;
const sectionCache = new Map();

export function loadRefData() {
  if (!refPromise) {
    refPromise = gql(REF).then((d) => ({
      streets: d.streets.edges.map((e) => e.node),
      departments: d.departments.edges.map((e) => e.node),
      categories: d.categories,
    })).catch((err) => {
      refPromise = null;
      throw err;
    });
  }
  return refPromise;
}

export function loadSections(streetId) {
  if (!streetId) return Promise.resolve([]);
  if (!sectionCache.has(streetId)) {
    sectionCache.set(streetId, gql(
      `query Sections($s: ID!) { streetSections(filter: {streetId: $s, active: true}, first: 50) { edges { node { id name } } } }`,
      { s: streetId },
    ).then((d) => d.streetSections.edges.map((e) => e.node)).catch((err) => {
      sectionCache.delete(streetId);
      throw err;
    }));
  }
  return sectionCache.get(streetId);
}

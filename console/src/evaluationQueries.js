// GraphQL documents of the evaluation page (精确考评 · 部门考核).

export const CAMPAIGNS = `query EvalCampaigns { surveyCampaigns(first: 50) { edges { node { id year state rewardCount penaltyCount } } } }`;

export const STREETS = `query EvalStreets { streets(first: 100) { edges { node { id name } } } }`;

export const RANKING = `query EvalRanking($year: Int!, $streetId: ID) {
  communityRanking(year: $year, streetId: $streetId) {
    published rankedCount excludedCount
    rows {
      position rank mark markLabel excludedReason phoneScore fieldScore total answered phoneAnswers fieldTeamCount canDrillDown
      community { id name } street { id name }
    }
  }
}`;

export const DRILL = `query EvalDrill($year: Int!, $streetId: ID) {
  communityRanking(year: $year, streetId: $streetId) {
    rows {
      community { id }
      canDrillDown
      phoneAspects { aspect aspectLabel satisfied basic unsatisfied answers score }
      fieldScores { id governance services neighbourlyHelp teamBuilding innovation total team { name } }
    }
  }
}`;

export const STREET_ASSESSMENT = `query EvalStreetAssessment($year: Int!, $streetId: ID) {
  streetAssessment(year: $year, streetId: $streetId) {
    satisfactionWeight streetTotalPoints
    rows { communityCount scoredCommunityCount meanPhoneScore satisfactionPoints street { id name } }
  }
}`;

export const DEPARTMENT_KPIS = `query EvalDepartmentKpis($from: Date!, $to: Date!, $departmentId: ID) {
  departmentKpis(from: $from, to: $to, departmentId: $departmentId) {
    unitId unitName responseRate acceptanceRate completionRate satisfactionRate
    lateResponses refusedResolutions unsatisfiedRatings deducted score
  }
}`;

export const KPI_TREND = `query EvalKpiTrend($departmentId: ID!, $year: Int!, $unitKind: KpiUnitKind! = DEPARTMENT) {
  kpiTrend(departmentId: $departmentId, year: $year, unitKind: $unitKind) {
    periodFrom responseRate acceptanceRate completionRate satisfactionRate deducted score
  }
}`;

// 单位排行榜: ranked on the page by LeagueChart.leagueRanks, as the UNIT_KPIS download ranks them.
export const UNIT_KPIS = `query EvalUnitKpis($unitKind: KpiUnitKind!, $from: Date!, $to: Date!) {
  unitKpis(unitKind: $unitKind, from: $from, to: $to) {
    unitId unitName responseRate acceptanceRate completionRate satisfactionRate deducted score
  }
}`;

export const EXPORT = `query EvalExport($kind: EvaluationExportKind!, $year: Int, $streetId: ID, $from: Date, $to: Date, $departmentId: ID,
  $unitKind: KpiUnitKind) {
  evaluationExport(kind: $kind, year: $year, streetId: $streetId, from: $from, to: $to, departmentId: $departmentId, unitKind: $unitKind) {
    kind title rowCount xlsxUrl
  }
}`;

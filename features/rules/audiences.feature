@rules @audiences @journeys
Feature: Audience qualification enters journeys
  A rule audience is re-evaluated for a person whenever their profile changes (an update, a score, a journey's own
  profile update) or an event about them arrives. Entering the audience, or leaving it, enters the journeys whose
  entry is that audience's qualification. Predictive scores such as a churn score are plain profile attributes.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And Alice's profile has:
      | churnScore | 0.4 |
    And the audience "churn-risk" of people where "profile.churnScore > 0.7"
    And the journey:
      """
      id: retention
      name: Retention
      entry: {type: audience, audience: churn-risk, on: enter}
      exit: [{event: audience.exited, when: "event.audience == 'churn-risk'"}]
      steps:
        reward: {type: action, channel: push, app: com.acme.shop, message: {title: "A gift for you", body: "500 loyalty points are waiting"}, next: wait}
        wait: {type: wait, duration: 7d, next: nudge}
        nudge: {type: action, channel: push, app: com.acme.shop, message: {title: "Still there?", body: "Your points expire soon"}}
      """

  Scenario: A churn score rising above 0.7 enters the retention journey, once
    Then Alice is not in the audience "churn-risk"
    And Alice never entered the journey "retention"
    When Alice's churnScore rises to 0.85
    Then Alice is in the audience "churn-risk"
    And Alice is in the journey "retention" at step "wait"
    And Alice sees the notification "A gift for you" saying "500 loyalty points are waiting"
    When Alice's churnScore rises to 0.9
    Then Alice entered the journey "retention" once
    And the report of the journey "retention" reconciles

  Scenario: Leaving the audience exits the retention journey and enters a thank-you journey
    Given the journey:
      """
      id: thanks
      name: Thanks for staying
      entry: {type: audience, audience: churn-risk, on: exit}
      steps:
        thank: {type: action, channel: push, app: com.acme.shop, message: {title: "Thanks for staying", body: "Here is 10% off"}}
      """
    When Alice's churnScore rises to 0.8
    And 2 days pass
    And Alice's churnScore falls to 0.3
    Then Alice is not in the audience "churn-risk"
    And Alice left the journey "retention" because "exit criterion"
    And Alice entered the journey "thanks" once
    And Alice sees the notification "Thanks for staying"
    When 7 days pass
    Then Alice sees 2 notifications

  Scenario: A journey's own profile update qualifies the person for another audience
    Given Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And the audience "unhappy" of people where "profile.satisfaction is defined and profile.satisfaction|int < 3"
    And the journey:
      """
      id: survey
      name: Satisfaction survey
      entry: {type: event, event: survey.answered}
      steps:
        record: {type: update_profile, attributes: {satisfaction: "{{ event.score }}"}}
      """
    And the journey:
      """
      id: care
      name: Customer care
      entry: {type: audience, audience: unhappy, on: enter}
      steps:
        call: {type: action, channel: push, app: com.acme.shop, message: {title: "We are sorry", body: "An advisor will call you"}}
      """
    When the event "survey.answered" happens for Bob with:
      | score | 2 |
    And the event "survey.answered" happens for Alice with:
      | score | 5 |
    Then Bob is in the audience "unhappy"
    And Bob sees the notification "We are sorry"
    And Alice is not in the audience "unhappy"
    And Alice never entered the journey "care"

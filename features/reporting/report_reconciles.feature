@reporting @push
Feature: A report accounts for every person a message targeted
  Each campaign's and journey's report counts who was targeted, excluded (with the platform's reason and code),
  sent, delivered, opened and clicked, and what was lost on the way (bounces, dispatch errors, retries still
  pending). Its figures reconcile: targeted = excluded + sent, and sent = delivered + bounces + errors + pending.

  Background:
    Given the app "Shop" with id "com.acme.shop"

  Scenario: A mixed campaign: delivered, excluded by consent, bounced and failed, and the figures reconcile
    Given Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And Carol has an iPhone with the "Shop" app
    And Carol has refused marketing push
    And Dan has an Android phone with the "Shop" app
    And Dan has not answered about marketing push
    And Eve has an iPhone with the "Shop" app
    And Eve has agreed to marketing push
    And Frank has an Android phone with the "Shop" app
    And Frank has agreed to marketing push
    And the push service fails every delivery to Frank's phone with "INTERNAL"
    And a marketing push campaign "Spring sale" for the "Shop" app:
      | title | Spring sale        |
      | body  | 20% off everything |
    When Eve uninstalls the "Shop" app
    And the campaign "Spring sale" is sent to Alice, Bob, Carol, Dan, Eve and Frank
    And Alice taps the notification "Spring sale"
    Then Carol was excluded from "Spring sale" with PushNoConsent 050111
    And the push service bounced "Spring sale" for Eve with Unregistered
    And the report of "Spring sale" reconciles
    And the report of "Spring sale" shows:
      | targeted | excluded | sent | delivered | bounces | errors | pending |
      | 6        | 2        | 4    | 2         | 1       | 0      | 1       |
    When 1 minute passes
    Then the push service refused "Spring sale" for Frank with INTERNAL
    And the report of "Spring sale" reconciles
    And the funnel of "Spring sale" is:
      | sent | delivered | opened | clicked | bounces | errors | pending |
      | 4    | 2         | 1      | 0       | 1       | 1      | 0       |
      | 100% | 50%       | 25%    | 0%      |         |        |         |
    And the reasons in the report of "Spring sale" are:
      | outcome  | reason        | code   | count |
      | excluded | PushNoConsent | 050111 | 2     |
      | bounced  | Unregistered  |        | 1     |
      | failed   | INTERNAL      | 050301 | 1     |

  Scenario: A journey's report reconciles in total and step by step
    Given Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And Alice's profile has:
      | tier | gold |
    And Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And Carol has an iPhone with the "Shop" app
    And Carol has refused marketing push
    And the journey:
      """
      id: welcome
      name: Welcome series
      entry: {type: event, event: signup}
      steps:
        hello: {type: action, channel: push, app: com.acme.shop, message: {title: "Welcome", body: "Glad you are here"}, next: wait}
        wait: {type: wait, duration: 1d, next: tier}
        tier:
          type: condition
          branches: [{name: gold, when: "profile.tier == 'gold'", next: gift}]
          otherwise: done
        gift: {type: action, channel: push, app: com.acme.shop, message: {title: "A gift", body: "For our gold members"}, next: done}
        done: {type: end}
      """
    When the event "signup" happens for Alice
    And the event "signup" happens for Bob
    And the event "signup" happens for Carol
    And Alice taps the notification "Welcome"
    And 1 day passes
    And Alice taps the notification "A gift"
    Then the report of the journey "welcome" reconciles
    And the report of the journey "welcome" shows:
      | entered | active | ended | exited |
      | 3       | 0      | 3     | 0      |
    And the funnel of the journey "welcome" is:
      | targeted | excluded | sent | delivered | opened |
      | 4        | 1        | 3    | 3         | 2      |
    And the report of the step "hello" of the journey "welcome" reconciles
    And the funnel of the step "hello" of the journey "welcome" is:
      | sent | delivered | opened | clicked |
      | 2    | 2         | 1      | 0       |
      | 100% | 100%      | 50%    | 0%      |
    And the funnel of the step "gift" of the journey "welcome" is:
      | sent | delivered | opened |
      | 1    | 1         | 1      |
    And the reasons in the report of the step "hello" of the journey "welcome" are:
      | outcome  | reason        | code   | count |
      | excluded | PushNoConsent | 050111 | 1     |

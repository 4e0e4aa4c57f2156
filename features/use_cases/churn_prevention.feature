@use_cases @churn
Feature: Churn prevention: a high churn score brings loyalty rewards and a survey whose answer lands on the profile
  The churn-retention journey (fixtures/journeys/churn-retention.yaml) enters whoever qualifies for the "churn-risk"
  audience (a churn score above 0.7). Gold members get 1,000 loyalty points, others 500; a push and an SMS tell them;
  an in-app survey asks what would make the app better, and the answer is written to the profile
  (churn-survey-answers.yaml) before a thank-you push. Leaving the audience ends the journey.
  It proves that audience qualification enters the journey once, that the condition picks the reward by tier, that
  the rewards keep to push and SMS consent, that the survey answer is written to the profile and moves the journey
  on, and that a score falling back exits the journey and withdraws the survey.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the SMS sender number "+15550100001"
    And the audience "churn-risk" of people where "profile.churnScore is defined and profile.churnScore > 0.7"
    And the journey "churn-retention" is published
    And the journey "churn-survey-answers" is published
    And Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And Alice has agreed to marketing SMS
    And Alice's profile has:
      | tier       | gold |
      | churnScore | 0.3  |

  Scenario: Alice, a gold member at risk, gets 1,000 points by push and SMS, answers the survey, and it is on her profile
    Then Alice never entered the journey "churn-retention"
    When Alice's churnScore rises to 0.85
    Then Alice is in the audience "churn-risk"
    And Alice took the branch "gold" in the journey "churn-retention"
    And Alice sees the notification "A thank-you from us" saying "1000 loyalty points are on your account, Alice"
    And Alice receives an SMS "Alice, your 1000 points are waiting: spend them by Sunday in the Shop app." from "+15550100001"
    When Alice's churnScore rises to 0.9
    Then Alice entered the journey "churn-retention" once
    When Alice closes the "Shop" app
    And 1 day passes
    And Alice opens the "Shop" app
    Then Alice sees the in-app message "What would make Shop better for you?"
    And the in-app message on Alice's phone has the buttons "Lower prices", "More choice" and "It's fine as it is"
    When Alice taps "Lower prices" in the in-app message
    Then Alice's profile shows:
      | surveyAnswer   | Lower prices  |
      | surveyAnswerId | survey-prices |
      | rewardPoints   | 1000          |
    And Alice sees the notification "Thanks for telling us"
    And Alice finished the journey "churn-retention"
    And Alice's path in the journey "churn-retention" is "reward, gold_points, reward_push, reward_sms, survey, answer, thanks, done"
    And the funnel of the step "survey" of the journey "churn-retention" is:
      | delivered | displayed | clicked |
      | 1         | 1         | 1       |

  Scenario: Bob, a standard member without push consent, gets his 500 points by SMS only, and never answers
    Given Bob has an Android phone with the "Shop" app
    And Bob has refused marketing push
    And Bob has agreed to marketing SMS
    When Bob's churnScore rises to 0.75
    Then Bob took the branch "otherwise" in the journey "churn-retention"
    And Bob sees no notification
    And Bob was excluded at the step "reward_push" of the journey "churn-retention" with PushNoConsent 050111
    And Bob receives an SMS "Bob, your 500 points are waiting"
    When 7 days pass
    Then Bob finished the journey "churn-retention"
    And Bob's path in the journey "churn-retention" is "reward, standard_points, reward_push, reward_sms, survey, answer, done"
    And Bob's profile shows:
      | rewardPoints | 500 |
    And the reasons in the report of the step "reward_push" of the journey "churn-retention" are:
      | outcome  | reason        | code   | count |
      | excluded | PushNoConsent | 050111 | 1     |

  Scenario: A score that falls back before the answer ends the journey and withdraws the survey
    Given Carol has an iPhone with the "Shop" app
    And Carol has agreed to marketing push
    And Carol has refused marketing SMS
    When Carol's churnScore rises to 0.8
    And Alice's churnScore rises to 0.8
    Then Carol was excluded at the step "reward_sms" of the journey "churn-retention" with SMSNoConsent 050104
    When 2 days pass
    And Carol's churnScore falls to 0.4
    Then Carol is not in the audience "churn-risk"
    And Carol left the journey "churn-retention" because "exit criterion"
    When Carol closes the "Shop" app
    And 10 minutes pass
    And Carol opens the "Shop" app
    Then Carol sees no in-app message
    And Carol's profile shows:
      | rewardPoints | 500 |
    And the report of the journey "churn-retention" shows:
      | entered | active | ended | exited |
      | 2       | 1      | 0     | 1      |
    And the funnel of the journey "churn-retention" is:
      | targeted | excluded | sent | delivered |
      | 6        | 1        | 5    | 5         |
    And the report of the journey "churn-retention" reconciles

@rules @capture @push
Feature: Consent given and withdrawn through the platform's landing page
  The platform serves a landing page whose form writes to the profile of the person who fills it in: their email and
  number, one marketing consent per channel (a ticked box is "y", a box left unticked is "n"), and custom fields
  mapped to profile attributes. A submission is a "form.submitted" event, and it takes effect for the very next send.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the landing page "club" with:
      | title    | Join the Shop club                                      |
      | phone    | yes                                                     |
      | consents | push, email                                             |
      | fields   | First name -> firstName, Favourite shop -> favouriteShop |
    And a marketing push campaign "Club news" for the "Shop" app:
      | title | Club news           |
      | body  | Members get 10% off |

  Scenario: Consent given through the landing page, then a marketing push received
    Given Alice has an iPhone with the "Shop" app
    And Alice has not answered about marketing push
    When the campaign "Club news" is sent to Alice
    Then Alice was excluded from "Club news" with PushNoConsent 050111
    When Alice fills in the landing page "club" with:
      | push consent   | ticked |
      | favourite shop | Lyon   |
    Then Alice's consent to marketing push is "y"
    And Alice's consent to marketing email is "n"
    And Alice's profile shows:
      | favouriteShop | Lyon |
    When the campaign "Club news" is sent to Alice
    Then Alice sees the notification "Club news" saying "Members get 10% off"
    And the report of "Club news" shows:
      | targeted | excluded | sent | delivered |
      | 2        | 1        | 1    | 1         |

  Scenario: Consent withdrawn through the landing page, then excluded
    Given Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    When Alice fills in the landing page "club" with:
      | push consent | not ticked |
    And the campaign "Club news" is sent to Alice
    Then Alice's consent to marketing push is "n"
    And Alice was excluded from "Club news" with PushNoConsent 050111
    And Alice sees no notification

  Scenario: The submission enters a welcome journey that respects the consent just given
    Given Alice has an iPhone with the "Shop" app
    And Bob has an Android phone with the "Shop" app
    And the journey:
      """
      id: club-welcome
      name: Club welcome
      entry: {type: event, event: form.submitted, when: "event.page == 'club'"}
      steps:
        hello: {type: action, channel: push, app: com.acme.shop, message: {title: "Welcome to the club, {{ profile.firstName }}", body: "Your first perk is waiting"}}
      """
    When Alice fills in the landing page "club" with:
      | push consent | ticked |
    And Bob fills in the landing page "club"
    Then Alice sees the notification "Welcome to the club, Alice"
    And Bob sees no notification
    And Bob was excluded at the step "hello" of the journey "club-welcome" with PushNoConsent 050111

  Scenario: A visitor with no profile yet gets one from the form
    When Carol fills in the landing page "club" with:
      | First name    | Carol |
      | email consent | yes   |
    Then Carol's profile shows:
      | firstName | Carol |
    And Carol's consent to marketing email is "y"
    And Carol's consent to marketing push is "n"
